package fr.chevet.android.screenshots

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.unit.Density
import org.jetbrains.skia.EncodedImageFormat
import org.junit.Assert.assertTrue
import org.junit.Assert.fail
import java.io.ByteArrayInputStream
import java.io.File
import javax.imageio.ImageIO
import kotlin.math.abs

/** A tablet in dp at density 1, as the goldens are drawn. */
enum class Tablet(val width: Int, val height: Int) {
    Landscape(1280, 800),
    Portrait(800, 1280),
}

/** Renders [content] headless at [size] and returns the PNG. */
fun renderPng(size: Tablet, content: @Composable () -> Unit): ByteArray {
    val scene = ImageComposeScene(size.width, size.height, Density(1f), content = content)
    try {
        // A first frame lays out; the second draws what the first frame's effects settled.
        scene.render()
        val image = scene.render()
        return image.encodeToData(EncodedImageFormat.PNG)!!.bytes
    } finally {
        scene.close()
    }
}

/**
 * Compares the rendering of [content] with `<goldens>/<name>.png`. A pixel
 * counts as changed when a channel moves by more than 16 of 255 (text
 * antialiasing varies that little between runs); the screen may change in
 * at most 0.2 % of its pixels. With `-Dchevet.updateGoldens=true` the golden
 * is rewritten instead: look at it before committing it. The rendering is
 * always left in `target/screenshots/` for review.
 */
fun assertMatchesGolden(goldens: File, name: String, size: Tablet, content: @Composable () -> Unit) {
    val png = renderPng(size, content)
    File("target/screenshots").apply { mkdirs() }.resolve("$name.png").writeBytes(png)
    val golden = goldens.resolve("$name.png")
    if (System.getProperty("chevet.updateGoldens") == "true") {
        goldens.mkdirs()
        golden.writeBytes(png)
        return
    }
    if (!golden.exists()) fail("no golden $golden: run scripts/test-android with UPDATE_GOLDENS=1 and review it")
    val actual = ImageIO.read(ByteArrayInputStream(png))
    val expected = ImageIO.read(golden)
    assertTrue(
        "$name: ${actual.width}×${actual.height}, golden ${expected.width}×${expected.height}",
        actual.width == expected.width && actual.height == expected.height,
    )
    var changed = 0
    for (y in 0 until actual.height) {
        for (x in 0 until actual.width) {
            val a = actual.getRGB(x, y)
            val e = expected.getRGB(x, y)
            if ((0..24 step 8).any { shift -> abs((a shr shift and 0xFF) - (e shr shift and 0xFF)) > 16 }) changed++
        }
    }
    val share = changed.toDouble() / (actual.width * actual.height)
    assertTrue("$name: %.3f %% of the pixels differ from the golden (target/screenshots/$name.png)".format(share * 100), share <= 0.002)
}

/** Decodes a JPEG in memory with Skia, as the desktop JVM draws photos. */
fun skiaDecode(bytes: ByteArray): androidx.compose.ui.graphics.ImageBitmap? =
    runCatching { org.jetbrains.skia.Image.makeFromEncoded(bytes).toComposeImageBitmap() }.getOrNull()
