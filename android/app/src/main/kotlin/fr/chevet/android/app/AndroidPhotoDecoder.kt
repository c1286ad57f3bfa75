package fr.chevet.android.app

import android.graphics.BitmapFactory
import androidx.compose.ui.graphics.asImageBitmap
import fr.chevet.android.chevetui.PhotoDecoder

/** Photos held in memory drawn with the platform's decoder (no file, no cache). */
val AndroidPhotoDecoder = PhotoDecoder { bytes -> BitmapFactory.decodeByteArray(bytes, 0, bytes.size)?.asImageBitmap() }
