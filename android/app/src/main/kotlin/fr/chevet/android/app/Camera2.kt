package fr.chevet.android.app

import android.graphics.SurfaceTexture
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraManager
import android.view.TextureView

/** Runs [then] once the preview's surface exists (now, or when it comes). */
internal fun TextureView.whenReady(then: () -> Unit) {
    if (isAvailable) return then()
    surfaceTextureListener = object : TextureView.SurfaceTextureListener {
        override fun onSurfaceTextureAvailable(surface: SurfaceTexture, width: Int, height: Int) = then()
        override fun onSurfaceTextureSizeChanged(surface: SurfaceTexture, width: Int, height: Int) {}
        override fun onSurfaceTextureDestroyed(surface: SurfaceTexture): Boolean = true
        override fun onSurfaceTextureUpdated(surface: SurfaceTexture) {}
    }
}

/** The back camera (the one a carer points at a box, a code or a wound), else any. */
internal fun CameraManager.backCameraId(): String? =
    cameraIdList.firstOrNull { getCameraCharacteristics(it).get(CameraCharacteristics.LENS_FACING) == CameraCharacteristics.LENS_FACING_BACK }
        ?: cameraIdList.firstOrNull()
