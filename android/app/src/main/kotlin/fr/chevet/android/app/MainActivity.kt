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
        shell = ShellPresenter(app.sessions, app.rounds, app.clock, app.scope)
        shell.start()
        setContent { ChevetApp(shell, app.sessions, app.rounds, app.clock, app.scope) }
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
