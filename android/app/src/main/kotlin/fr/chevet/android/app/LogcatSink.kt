package fr.chevet.android.app

import android.util.Log
import fr.chevet.core.LogLevel
import fr.chevet.core.LogSink

/** The core's log records to Logcat (they carry ids, never names or values). */
class LogcatSink : LogSink {
    override fun log(level: LogLevel, target: String, message: String) {
        val tag = "chevet/" + target.substringAfterLast("::").take(16)
        when (level) {
            LogLevel.ERROR -> Log.e(tag, message)
            LogLevel.WARN -> Log.w(tag, message)
            LogLevel.INFO -> Log.i(tag, message)
            LogLevel.DEBUG -> Log.d(tag, message)
        }
    }
}
