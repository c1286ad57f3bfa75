package fr.chevet.android.app

import android.Manifest
import android.app.Activity
import android.content.pm.PackageManager
import android.graphics.ImageFormat
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraCharacteristics
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.hardware.camera2.params.OutputConfiguration
import android.hardware.camera2.params.SessionConfiguration
import android.media.ImageReader
import android.os.Handler
import android.os.HandlerThread
import android.view.Surface
import android.view.TextureView
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.ui.Modifier
import androidx.compose.ui.viewinterop.AndroidView
import fr.chevet.android.chevetui.WoundCamera
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.withTimeoutOrNull
import java.util.concurrent.Executor

/**
 * The back camera for wound photos through Camera2: a preview on a
 * TextureView, and a still as the JPEG the sensor's encoder writes (with its
 * orientation in EXIF, which the core applies and strips). The bytes are
 * read from the ImageReader into memory and handed to the core; no file.
 */
class Camera2WoundCamera(private val activity: Activity) : WoundCamera {
    private val worker = HandlerThread("wound-camera").apply { start() }
    private val handler = Handler(worker.looper)
    private val onWorker = Executor { handler.post(it) }
    private var device: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var stills: ImageReader? = null
    private var sensorOrientation = 0

    @Volatile
    private var pending: CompletableDeferred<Result<ByteArray>>? = null

    @Composable
    override fun Preview(modifier: Modifier) {
        AndroidView(factory = { context -> TextureView(context).also { view -> view.whenReady { open(view) } } }, modifier = modifier)
        DisposableEffect(Unit) { onDispose { close() } }
    }

    override suspend fun capture(): Result<ByteArray> {
        val d = device ?: return Result.failure(IllegalStateException("camera not open"))
        val s = session ?: return Result.failure(IllegalStateException("camera not ready"))
        val reader = stills ?: return Result.failure(IllegalStateException("camera not ready"))
        val taken = CompletableDeferred<Result<ByteArray>>()
        pending = taken
        val request = d.createCaptureRequest(CameraDevice.TEMPLATE_STILL_CAPTURE).apply {
            addTarget(reader.surface)
            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
            set(CaptureRequest.JPEG_QUALITY, JPEG_QUALITY)
            set(CaptureRequest.JPEG_ORIENTATION, sensorOrientation)
        }.build()
        s.capture(request, null, handler)
        return withTimeoutOrNull(CAPTURE_TIMEOUT_MS) { taken.await() } ?: Result.failure(IllegalStateException("no picture"))
    }


    private fun open(view: TextureView) {
        if (activity.checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            // Asked once; « Photo » again opens the camera once it is granted.
            activity.requestPermissions(arrayOf(Manifest.permission.CAMERA), REQUEST_CAMERA)
            return
        }
        val manager = activity.getSystemService(CameraManager::class.java)
        val id = manager.backCameraId() ?: return
        sensorOrientation = manager.getCameraCharacteristics(id).get(CameraCharacteristics.SENSOR_ORIENTATION) ?: 0
        try {
            manager.openCamera(id, onWorker, object : CameraDevice.StateCallback() {
                override fun onOpened(d: CameraDevice) {
                    device = d
                    start(d, view)
                }

                override fun onDisconnected(d: CameraDevice) = d.close()

                override fun onError(d: CameraDevice, error: Int) {
                    d.close()
                    pending?.complete(Result.failure(IllegalStateException("camera error $error")))
                }
            })
        } catch (e: SecurityException) {
            pending?.complete(Result.failure(e))
        }
    }

    private fun start(d: CameraDevice, view: TextureView) {
        val reader = ImageReader.newInstance(STILL_WIDTH, STILL_HEIGHT, ImageFormat.JPEG, 1)
        reader.setOnImageAvailableListener({ r ->
            r.acquireLatestImage()?.use { image ->
                val buffer = image.planes[0].buffer
                val bytes = ByteArray(buffer.remaining()).also { buffer.get(it) }
                pending?.complete(Result.success(bytes))
            }
        }, handler)
        stills = reader
        val texture = view.surfaceTexture ?: return
        texture.setDefaultBufferSize(PREVIEW_WIDTH, PREVIEW_HEIGHT)
        val shown = Surface(texture)
        val preview = d.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
            addTarget(shown)
            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
        }.build()
        val outputs = listOf(OutputConfiguration(shown), OutputConfiguration(reader.surface))
        d.createCaptureSession(
            SessionConfiguration(SessionConfiguration.SESSION_REGULAR, outputs, onWorker, object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    session = s
                    s.setRepeatingRequest(preview, null, handler)
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    pending?.complete(Result.failure(IllegalStateException("camera session")))
                }
            }),
        )
    }

    private fun close() {
        session?.close()
        session = null
        device?.close()
        device = null
        stills?.close()
        stills = null
    }

    private companion object {
        const val REQUEST_CAMERA = 42
        const val STILL_WIDTH = 4000
        const val STILL_HEIGHT = 3000
        const val PREVIEW_WIDTH = 1920
        const val PREVIEW_HEIGHT = 1440
        const val JPEG_QUALITY: Byte = 92
        const val CAPTURE_TIMEOUT_MS = 5_000L
    }
}
