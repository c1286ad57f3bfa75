package fr.chevet.android.testing

import com.sun.jna.Library
import com.sun.jna.Native
import com.sun.jna.Structure
import java.io.File

/**
 * What the process holds outside the JVM's heap: glibc's `mallinfo2` (the
 * core's Rust allocator is malloc) and the resident set. For the leak test
 * and the app's benchmark; Linux with glibc only.
 */
object NativeMemory {
    @Structure.FieldOrder("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")
    open class MallInfo2 : Structure() {
        @JvmField var arena: Long = 0
        @JvmField var ordblks: Long = 0
        @JvmField var smblks: Long = 0
        @JvmField var hblks: Long = 0
        @JvmField var hblkhd: Long = 0
        @JvmField var usmblks: Long = 0
        @JvmField var fsmblks: Long = 0
        @JvmField var uordblks: Long = 0
        @JvmField var fordblks: Long = 0
        @JvmField var keepcost: Long = 0

        class ByValue : MallInfo2(), Structure.ByValue
    }

    private interface LibC : Library {
        fun mallinfo2(): MallInfo2.ByValue
    }

    private val libc: LibC by lazy { Native.load("c", LibC::class.java) }

    /** kB in use from malloc, after letting the JVM release what it no longer references. */
    fun mallocInUseKb(): Long {
        repeat(3) {
            System.gc()
            Thread.sleep(100)
        }
        val m = libc.mallinfo2()
        return (m.uordblks + m.hblkhd) / 1024
    }

    /** The process's resident set, in kB. */
    fun rssKb(): Long = File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()
}
