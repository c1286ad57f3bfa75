package fr.chevet.android.designsystem

import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.luminance
import org.junit.Assert.assertTrue
import org.junit.Test

/** WCAG 2.1 contrast ratio of two opaque colours. */
fun contrast(a: Color, b: Color): Double {
    val (hi, lo) = listOf(a.luminance().toDouble(), b.luminance().toDouble()).sortedDescending()
    return (hi + 0.05) / (lo + 0.05)
}

class ContrastTest {
    @Test
    fun `every text colour on its background passes 4_5 to 1`() {
        for ((text, background) in ChevetColors.textPairs) {
            val ratio = contrast(text, background)
            assertTrue("$text on $background: %.2f".format(ratio), ratio >= 4.5)
        }
    }

    @Test
    fun `the ratio is the WCAG one`() {
        assertTrue(contrast(Color.Black, Color.White) in 20.99..21.01)
        assertTrue(contrast(Color.White, Color.White) in 0.99..1.01)
    }
}
