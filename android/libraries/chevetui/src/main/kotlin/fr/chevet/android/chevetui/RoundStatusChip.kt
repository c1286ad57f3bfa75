package fr.chevet.android.chevetui

import androidx.compose.runtime.Composable
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.WordChip
import fr.chevet.core.RoundStatus

/** Where an act or a dose stands, in the core's word on its colour: the round and the medication screen say it alike. */
@Composable
fun RoundStatusChip(status: RoundStatus, label: String) {
    val (fg, bg) = when (status) {
        RoundStatus.DUE -> ChevetColors.ink to ChevetColors.surface
        RoundStatus.LATE -> ChevetColors.late to ChevetColors.lateBackground
        RoundStatus.UNRECORDED -> ChevetColors.missed to ChevetColors.missedBackground
        RoundStatus.DONE, RoundStatus.PARTLY_DONE -> ChevetColors.done to ChevetColors.doneBackground
        RoundStatus.NOT_DONE, RoundStatus.REFUSED, RoundStatus.SPAT_OUT -> ChevetColors.ink to ChevetColors.lateBackground
    }
    WordChip(label, fg, bg)
}
