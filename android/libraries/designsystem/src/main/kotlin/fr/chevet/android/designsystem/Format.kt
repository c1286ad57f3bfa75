package fr.chevet.android.designsystem

import java.time.Instant
import java.time.ZoneId

/**
 * A time of day as the screens write it, "08 h 00", in the establishment's
 * zone; non-breaking spaces, so it never splits across two lines.
 */
fun timeOfDay(ms: Long, zone: ZoneId): String {
    val t = Instant.ofEpochMilli(ms).atZone(zone)
    return "%02d\u00a0h\u00a0%02d".format(t.hour, t.minute)
}
