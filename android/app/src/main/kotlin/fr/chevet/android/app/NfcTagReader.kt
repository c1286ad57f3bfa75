package fr.chevet.android.app

import android.app.Activity
import android.nfc.NfcAdapter
import fr.chevet.android.chevet.TagReader

/**
 * The home's NFC tag read in reader mode (no NDEF parsing, no other app
 * woken): only the tag's UID is read, in hex, and checked by the core
 * against the one registered for the home. Reader mode is on only while a
 * tag is awaited.
 */
class NfcTagReader private constructor(private val activity: Activity, private val adapter: NfcAdapter) : TagReader {
    override fun read(onUid: (String) -> Unit): AutoCloseable {
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or NfcAdapter.FLAG_READER_NFC_F or
            NfcAdapter.FLAG_READER_NFC_V or NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK
        adapter.enableReaderMode(activity, { tag ->
            val uid = tag.id.joinToString("") { "%02X".format(it) }
            activity.runOnUiThread { onUid(uid) }
        }, flags, null)
        return AutoCloseable { adapter.disableReaderMode(activity) }
    }

    companion object {
        /** The reader, or null on a tablet without NFC (or with it turned off). */
        fun forActivity(activity: Activity): TagReader? =
            NfcAdapter.getDefaultAdapter(activity)?.takeIf { it.isEnabled }?.let { NfcTagReader(activity, it) }
    }
}
