package fr.chevet.android.desktop

import fr.chevet.core.ChevetException
import fr.chevet.core.SyncHealth
import org.junit.Assert.assertEquals
import org.junit.Assert.assertThrows
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import javax.imageio.ImageIO

/** The launcher starts, draws its first screen, and keeps a real store sealed by its passphrase. */
class LauncherTest {
    @get:Rule
    val dir = TemporaryFolder()

    @Test
    fun `the demo launcher draws "who are you" headless`() {
        val png = dir.root.resolve("first.png")
        main(arrayOf("--screenshot", png.path))
        val image = ImageIO.read(png)
        assertEquals(1280 to 800, image.width to image.height)
        // Not a blank page: the staff list and the sync bar draw in more than two colours.
        val colours = HashSet<Int>()
        for (y in 0 until image.height step 8) for (x in 0 until image.width step 8) colours += image.getRGB(x, y)
        assertTrue("${colours.size} colours", colours.size > 8)
    }

    @Test
    fun `a real store opens again with its passphrase, not with another, and starts unenrolled`() {
        val storeDir = dir.root.resolve("store")
        realStore(storeDir, "cheval de bataille".toCharArray()).use { assertEquals(SyncHealth.NOT_ENROLLED, it.hub().syncStatus().health) }
        realStore(storeDir, "cheval de bataille".toCharArray()).use { it.deviceId() }
        assertThrows(ChevetException.WrongKey::class.java) { realStore(storeDir, "autre phrase".toCharArray()).close() }
    }
}
