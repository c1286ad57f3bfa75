package fr.chevet.android.app

import android.Manifest
import android.app.Activity
import android.content.Intent
import android.content.pm.PackageManager
import android.graphics.Color
import android.graphics.ImageFormat
import android.hardware.camera2.CameraCaptureSession
import android.hardware.camera2.CameraDevice
import android.hardware.camera2.CameraManager
import android.hardware.camera2.CaptureRequest
import android.hardware.camera2.params.OutputConfiguration
import android.hardware.camera2.params.SessionConfiguration
import android.media.ImageReader
import android.os.Bundle
import android.os.Handler
import android.os.HandlerThread
import android.view.Gravity
import android.view.Surface
import android.view.TextureView
import android.widget.Button
import android.widget.FrameLayout
import android.widget.TextView
import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.MultiFormatReader
import com.google.zxing.NotFoundException
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.ReaderException
import com.google.zxing.common.HybridBinarizer
import java.util.concurrent.Executor
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Reads a code at the bedside — the enrolment QR code the coordinator's
 * console shows, a medicine box's GS1 Data Matrix — with the back camera
 * through Camera2 (CameraX and ML Kit are not served to this build), each
 * frame's luminance plane decoded by ZXing off the main thread. Answers the
 * text (`EXTRA_TEXT`, a Data Matrix's FNC1 as GS) and finishes; the core
 * checks what it says. Nothing is written to disk and no frame is kept.
 */
class CodeScanActivity : Activity() {
    private lateinit var preview: TextureView
    private lateinit var hint: TextView
    private val worker = HandlerThread("qr-scan").apply { start() }
    private val handler = Handler(worker.looper)
    private val onWorker = Executor { handler.post(it) }
    private var camera: CameraDevice? = null
    private var session: CameraCaptureSession? = null
    private var frames: ImageReader? = null
    private val found = AtomicBoolean(false)
    private val reader = MultiFormatReader().apply {
        setHints(
            mapOf(
                DecodeHintType.POSSIBLE_FORMATS to listOf(BarcodeFormat.QR_CODE, BarcodeFormat.DATA_MATRIX),
                DecodeHintType.TRY_HARDER to true,
            ),
        )
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        preview = TextureView(this)
        hint = TextView(this).apply {
            text = "Visez le code : le QR code de la console, ou le Data Matrix de la boîte."
            textSize = 22f
            setTextColor(Color.WHITE)
            setBackgroundColor(0xCC1A1C1E.toInt())
            setPadding(32, 24, 32, 24)
        }
        val cancel = Button(this).apply {
            text = "Annuler"
            textSize = 20f
            minHeight = (56 * resources.displayMetrics.density).toInt()
            setOnClickListener { finish() }
        }
        setContentView(
            FrameLayout(this).apply {
                setBackgroundColor(Color.BLACK)
                addView(preview, FrameLayout.LayoutParams(FrameLayout.LayoutParams.MATCH_PARENT, FrameLayout.LayoutParams.MATCH_PARENT))
                addView(hint, FrameLayout.LayoutParams(FrameLayout.LayoutParams.MATCH_PARENT, FrameLayout.LayoutParams.WRAP_CONTENT, Gravity.TOP))
                addView(cancel, FrameLayout.LayoutParams(FrameLayout.LayoutParams.WRAP_CONTENT, FrameLayout.LayoutParams.WRAP_CONTENT, Gravity.BOTTOM or Gravity.CENTER_HORIZONTAL))
            },
        )
    }

    override fun onResume() {
        super.onResume()
        if (checkSelfPermission(Manifest.permission.CAMERA) != PackageManager.PERMISSION_GRANTED) {
            requestPermissions(arrayOf(Manifest.permission.CAMERA), REQUEST_CAMERA)
        } else {
            preview.whenReady { openCamera() }
        }
    }

    override fun onRequestPermissionsResult(requestCode: Int, permissions: Array<out String>, grantResults: IntArray) {
        super.onRequestPermissionsResult(requestCode, permissions, grantResults)
        if (requestCode != REQUEST_CAMERA) return
        if (grantResults.firstOrNull() == PackageManager.PERMISSION_GRANTED) {
            preview.whenReady { openCamera() }
        } else {
            hint.text = "Sans accès à la caméra, saisissez le code à la main ou donnez sans scanner."
        }
    }

    override fun onPause() {
        closeCamera()
        super.onPause()
    }

    override fun onDestroy() {
        worker.quitSafely()
        super.onDestroy()
    }


    private fun openCamera() {
        val manager = getSystemService(CameraManager::class.java)
        val id = manager.backCameraId()
        if (id == null) {
            hint.text = "Cette tablette n'a pas de caméra."
            return
        }
        try {
            manager.openCamera(id, onWorker, object : CameraDevice.StateCallback() {
                override fun onOpened(device: CameraDevice) {
                    camera = device
                    startSession(device)
                }

                override fun onDisconnected(device: CameraDevice) = device.close()

                override fun onError(device: CameraDevice, error: Int) {
                    device.close()
                    runOnUiThread { hint.text = "La caméra ne répond pas (erreur $error)." }
                }
            })
        } catch (e: SecurityException) {
            hint.text = "Sans accès à la caméra, saisissez le code à la main ou donnez sans scanner."
        }
    }

    private fun startSession(device: CameraDevice) {
        val frames = ImageReader.newInstance(FRAME_WIDTH, FRAME_HEIGHT, ImageFormat.YUV_420_888, 2)
        frames.setOnImageAvailableListener({ r -> r.acquireLatestImage()?.use { decode(it) } }, handler)
        this.frames = frames
        val texture = preview.surfaceTexture ?: return
        texture.setDefaultBufferSize(FRAME_WIDTH, FRAME_HEIGHT)
        val shown = Surface(texture)
        val request = device.createCaptureRequest(CameraDevice.TEMPLATE_PREVIEW).apply {
            addTarget(shown)
            addTarget(frames.surface)
            set(CaptureRequest.CONTROL_AF_MODE, CaptureRequest.CONTROL_AF_MODE_CONTINUOUS_PICTURE)
        }.build()
        val outputs = listOf(OutputConfiguration(shown), OutputConfiguration(frames.surface))
        device.createCaptureSession(
            SessionConfiguration(SessionConfiguration.SESSION_REGULAR, outputs, onWorker, object : CameraCaptureSession.StateCallback() {
                override fun onConfigured(s: CameraCaptureSession) {
                    session = s
                    s.setRepeatingRequest(request, null, handler)
                }

                override fun onConfigureFailed(s: CameraCaptureSession) {
                    runOnUiThread { hint.text = "La caméra ne démarre pas." }
                }
            }),
        )
    }

    /** One frame: the Y plane is all a QR code needs. */
    private fun decode(image: android.media.Image) {
        if (found.get()) return
        val plane = image.planes[0]
        val bytes = ByteArray(plane.buffer.remaining()).also { plane.buffer.get(it) }
        // The row stride may exceed the width: ZXing reads the plane as it lies.
        val source = PlanarYUVLuminanceSource(bytes, plane.rowStride, image.height, 0, 0, image.width, image.height, false)
        val text = try {
            reader.decodeWithState(BinaryBitmap(HybridBinarizer(source))).text
        } catch (e: NotFoundException) {
            return
        } catch (e: ReaderException) {
            return
        } finally {
            reader.reset()
        }
        if (found.compareAndSet(false, true)) {
            runOnUiThread {
                setResult(RESULT_OK, Intent().putExtra(EXTRA_TEXT, text))
                finish()
            }
        }
    }

    private fun closeCamera() {
        session?.close()
        session = null
        camera?.close()
        camera = null
        frames?.close()
        frames = null
    }

    companion object {
        const val EXTRA_TEXT = "fr.chevet.android.QR_TEXT"
        private const val REQUEST_CAMERA = 1
        private const val FRAME_WIDTH = 1280
        private const val FRAME_HEIGHT = 720
    }
}
