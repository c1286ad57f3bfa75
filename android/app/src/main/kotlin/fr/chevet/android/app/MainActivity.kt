package fr.chevet.android.app

import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import fr.chevet.android.features.shell.ChevetApp
import fr.chevet.android.features.shell.ShellPresenter

/** One Activity: the shell draws every screen; touches feed the idle lock. */
class MainActivity : ComponentActivity() {
    private lateinit var shell: ShellPresenter

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as ChevetApplication
        // No camera scanner yet on Android (CameraX and ML Kit are not served to this
        // build): the enrolment screen offers typing only.
        shell = ShellPresenter(app.sessions, app.rounds, app.enrolment, app.sync, app.clock, app.scope)
        shell.start()
        setContent { ChevetApp(shell) }
    }

    override fun onResume() {
        super.onResume()
        LockTask.enterIfPermitted(this)
    }

    override fun onUserInteraction() {
        super.onUserInteraction()
        shell.userActivity()
    }
}
