package fr.chevet.android.app

import android.content.Intent
import android.os.Bundle
import androidx.activity.ComponentActivity
import androidx.activity.compose.setContent
import androidx.activity.result.contract.ActivityResultContracts
import fr.chevet.android.features.shell.ChevetApp
import fr.chevet.android.features.shell.ShellPresenter

/** One Activity: the shell draws every screen; touches feed the idle lock. */
class MainActivity : ComponentActivity() {
    private lateinit var shell: ShellPresenter

    /** Who waits for the scanned code's text (the enrolment screen, the medication screen). */
    private var pendingScan: ((String) -> Unit)? = null
    private val scanQr = registerForActivityResult(ActivityResultContracts.StartActivityForResult()) { result ->
        val text = result.data?.getStringExtra(CodeScanActivity.EXTRA_TEXT)
        if (result.resultCode == RESULT_OK && text != null) pendingScan?.invoke(text)
        pendingScan = null
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        val app = application as ChevetApplication
        shell = ShellPresenter(
            app.sessions, app.rounds, app.enrolment, app.sync, app.medication, app.handovers, app.vitals, app.care, app.scales, app.transfers, app.wounds, app.routes, app.clock, app.scope,
            openScanner = { onText ->
                pendingScan = onText
                scanQr.launch(Intent(this, CodeScanActivity::class.java))
            },
            sharing = AndroidDocumentSharing(this),
            camera = Camera2WoundCamera(this),
            photoDecoder = AndroidPhotoDecoder,
            nfc = NfcTagReader.forActivity(this),
        )
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
