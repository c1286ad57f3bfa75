package fr.chevet.android.app

import android.content.ContentProvider
import android.content.ContentValues
import android.database.Cursor
import android.database.MatrixCursor
import android.net.Uri
import android.os.ParcelFileDescriptor
import android.provider.OpenableColumns
import java.io.FileNotFoundException
import java.io.IOException
import java.security.SecureRandom
import java.util.concurrent.ConcurrentHashMap

/**
 * Serves a document to the app the user shares it with, from memory,
 * through a pipe: no file in the cache directory, so nothing personal in
 * clear on the tablet's disk. A document is served for ten minutes under
 * an unguessable token, and only to apps granted its URI.
 */
class DocumentProvider : ContentProvider() {
    private class Held(val name: String, val mimeType: String, val bytes: ByteArray, val until: Long)

    companion object {
        const val AUTHORITY = "fr.chevet.android.documents"
        private const val KEEP_MS = 10 * 60_000L
        private val held = ConcurrentHashMap<String, Held>()
        private val random = SecureRandom()

        /** Holds [bytes] and returns the URI that serves them. */
        fun hold(name: String, mimeType: String, bytes: ByteArray): Uri {
            val now = System.currentTimeMillis()
            held.entries.removeIf { it.value.until < now }
            val token = ByteArray(16).also(random::nextBytes).joinToString("") { "%02x".format(it) }
            held[token] = Held(name, mimeType, bytes, now + KEEP_MS)
            return Uri.Builder().scheme("content").authority(AUTHORITY).appendPath(token).appendPath(name).build()
        }
    }

    private fun find(uri: Uri): Held? =
        uri.pathSegments.firstOrNull()?.let { held[it] }?.takeIf { it.until >= System.currentTimeMillis() }

    override fun onCreate(): Boolean = true

    override fun getType(uri: Uri): String? = find(uri)?.mimeType

    override fun query(uri: Uri, projection: Array<out String>?, selection: String?, selectionArgs: Array<out String>?, sortOrder: String?): Cursor? {
        val doc = find(uri) ?: return null
        val columns = projection ?: arrayOf(OpenableColumns.DISPLAY_NAME, OpenableColumns.SIZE)
        return MatrixCursor(columns, 1).apply {
            addRow(columns.map { if (it == OpenableColumns.SIZE) doc.bytes.size.toLong() else if (it == OpenableColumns.DISPLAY_NAME) doc.name else null })
        }
    }

    override fun openFile(uri: Uri, mode: String): ParcelFileDescriptor {
        if (mode != "r") throw FileNotFoundException("read only")
        val doc = find(uri) ?: throw FileNotFoundException("no such document")
        val (read, write) = ParcelFileDescriptor.createPipe()
        Thread {
            try {
                ParcelFileDescriptor.AutoCloseOutputStream(write).use { it.write(doc.bytes) }
            } catch (_: IOException) {
                // The reader went away: nothing to keep.
            }
        }.start()
        return read
    }

    override fun insert(uri: Uri, values: ContentValues?): Uri? = null
    override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0
    override fun update(uri: Uri, values: ContentValues?, selection: String?, selectionArgs: Array<out String>?): Int = 0
}
