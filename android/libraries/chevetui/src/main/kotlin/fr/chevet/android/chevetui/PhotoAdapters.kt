package fr.chevet.android.chevetui

import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.ImageBitmap

/** Turns a JPEG held in memory into something Compose draws: the platform's decoder. */
fun interface PhotoDecoder {
    fun decode(bytes: ByteArray): ImageBitmap?
}

/**
 * The tablet's camera for wound photos: a live preview, and a still taken
 * as JPEG bytes kept in memory (handed to the core's ingest, never written
 * to disk in clear).
 */
interface WoundCamera {
    @Composable
    fun Preview(modifier: Modifier)

    suspend fun capture(): Result<ByteArray>
}
