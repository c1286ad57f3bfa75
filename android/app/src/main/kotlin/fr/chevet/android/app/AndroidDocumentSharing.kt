package fr.chevet.android.app

import android.app.Activity
import android.content.Intent
import android.print.PrintAttributes
import android.print.PrintManager
import android.webkit.WebView
import android.webkit.WebViewClient
import fr.chevet.android.chevet.DocumentSharing

/**
 * The share sheet through [DocumentProvider] (a pipe, no file), and the
 * print dialog over a WebView loaded from memory (no script, no network).
 */
class AndroidDocumentSharing(private val activity: Activity) : DocumentSharing {
    // Kept after printing starts: the print framework reads from it.
    private var printing: WebView? = null

    override fun share(title: String, fileName: String, mimeType: String, bytes: ByteArray) {
        val uri = DocumentProvider.hold(fileName, mimeType, bytes)
        val send = Intent(Intent.ACTION_SEND)
            .setType(mimeType)
            .putExtra(Intent.EXTRA_STREAM, uri)
            .putExtra(Intent.EXTRA_SUBJECT, title)
            .addFlags(Intent.FLAG_GRANT_READ_URI_PERMISSION)
        activity.startActivity(Intent.createChooser(send, title))
    }

    override fun print(title: String, html: String) {
        val view = WebView(activity)
        view.settings.javaScriptEnabled = false
        view.settings.allowFileAccess = false
        view.settings.blockNetworkLoads = true
        view.webViewClient = object : WebViewClient() {
            override fun onPageFinished(v: WebView, url: String?) {
                val manager = activity.getSystemService(PrintManager::class.java)
                val attributes = PrintAttributes.Builder().setMediaSize(PrintAttributes.MediaSize.ISO_A4).build()
                manager.print(title, v.createPrintDocumentAdapter(title), attributes)
            }
        }
        printing = view
        view.loadDataWithBaseURL(null, html, "text/html", "UTF-8", null)
    }
}
