package fr.chevet.android.features.round

import fr.chevet.core.AlertInfo
import fr.chevet.core.AlertLevel
import fr.chevet.core.RoundItemInfo
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.RoundStatus
import java.time.LocalDateTime
import java.time.ZoneId

/** Fixed rounds for the screenshots: the same pixels on every run; a care aide's view (the nurse's medication not offered). */
object RoundFixture {
    val zone: ZoneId = ZoneId.of("Europe/Paris")

    private fun at(hour: Int, minute: Int = 0): Long =
        LocalDateTime.of(2026, 12, 3, hour, minute).atZone(zone).toInstant().toEpochMilli()

    // Fixed data: what the core says of each status (open, late) is written out, as the core's words are.
    private fun item(
        id: Int, label: String, hour: Int, status: RoundStatus, word: String,
        mayRecord: Boolean = true, medication: Boolean = false, mayClose: Boolean = false, day: String = "",
    ) =
        RoundItemInfo(
            "00000000-0000-7000-8000-%012d".format(id), label, at(hour), day + "%02d\u00a0h\u00a000".format(hour), status, word,
            open = status in setOf(RoundStatus.DUE, RoundStatus.LATE, RoundStatus.UNRECORDED),
            late = status in setOf(RoundStatus.LATE, RoundStatus.UNRECORDED),
            mayRecord = mayRecord, mayClose = mayClose, medication = medication,
        )

    private fun resident(id: Int, room: String, name: String, items: List<RoundItemInfo>, alerts: List<AlertInfo> = emptyList()) =
        RoundResidentInfo("00000000-0000-7000-9000-%012d".format(id), name, room, items, alerts)

    val residents = listOf(
        resident(
            1, "101", "MARTIN Jeanne",
            listOf(
                item(1, "Changement de position", 8, RoundStatus.DONE, "fait"),
                item(2, "Paracétamol 1 g", 12, RoundStatus.LATE, "en retard", mayRecord = false, medication = true),
                item(3, "Change", 14, RoundStatus.DUE, "à faire"),
            ),
            listOf(AlertInfo(AlertLevel.WATCH, "À surveiller", "Température 38,4 °C (au-dessus de 38)", "Recontrôler dans 1 h, prévenir l'IDE si cela persiste")),
        ),
        resident(
            2, "102", "BERNARD Hélène",
            listOf(
                item(4, "Aide au repas", 12, RoundStatus.REFUSED, "refusé"),
                item(5, "Changement de position", 14, RoundStatus.DUE, "à faire"),
            ),
            listOf(AlertInfo(AlertLevel.ACT, "Urgent", "Conscience : réagit à la voix", "Prévenir l'IDE, qui appelle le médecin")),
        ),
        resident(
            3, "103", "DUBOIS Yvonne",
            listOf(item(7, "Aide au repas", 12, RoundStatus.DONE, "fait")),
        ),
        resident(4, "104 bis", "LEFÈVRE Marcel", listOf(item(8, "Change", 14, RoundStatus.DUE, "à faire"))),
    )

    /** What nobody recorded, oldest first, as a care aide reads it (she may record, not close). */
    fun unrecorded(nurse: Boolean) = listOf(
        resident(
            1, "101", "MARTIN Jeanne",
            listOf(
                item(9, "Paracétamol 1 g", 20, RoundStatus.UNRECORDED, "non tracé", mayRecord = nurse, medication = true, mayClose = nurse, day = "hier "),
            ),
        ),
        resident(3, "103", "DUBOIS Yvonne", listOf(item(6, "Toilette", 8, RoundStatus.UNRECORDED, "non tracé", mayClose = nurse))),
    )

    val loaded = RoundState(
        loading = false, residents = residents, unrecorded = unrecorded(nurse = false),
        unrecordedTitle = "Non tracés (2) : à tracer, ou à clore par une IDE",
        toDo = 4, late = 1, unrecordedCount = 2, recorded = 3,
        countsLine = "4 à faire · 1 en retard · 2 non tracés · 3 tracés (2 faits, 1 refusé)",
        nothingShown = "Aucun soin prévu sur ce créneau.",
    )

    /** A round with nothing on it, as the core says it. */
    val empty = RoundState(loading = false, countsLine = "0 à faire · 0 en retard · 0 tracé", nothingShown = "Aucun soin prévu sur ce créneau.")
}
