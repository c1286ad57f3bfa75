package fr.chevet.android.designsystem

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp

/**
 * The colours of the app, chosen for a tablet read at arm's length under
 * ward lighting: every text colour on its background passes 4.5:1
 * ([ContrastTest] checks each pair listed in [textPairs]).
 */
object ChevetColors {
    val ink = Color(0xFF1A1C1E)
    val paper = Color(0xFFFFFFFF)
    val surface = Color(0xFFF2F4F7)
    val muted = Color(0xFF44474E)
    val primary = Color(0xFF00497A)
    val onPrimary = Color(0xFFFFFFFF)

    // Act statuses and alerts: a colour *and* a word, never colour alone.
    val done = Color(0xFF1B5E20)
    val doneBackground = Color(0xFFE3F1E4)
    val late = Color(0xFF8A4B00)
    val lateBackground = Color(0xFFFFF0DB)
    val missed = Color(0xFFB3261E)
    val missedBackground = Color(0xFFFCE8E6)
    val alertAct = Color(0xFFFFFFFF)
    val alertActBackground = Color(0xFFB3261E)
    val alertWatch = Color(0xFF1A1C1E)
    val alertWatchBackground = Color(0xFFFFD8A8)
    val offline = Color(0xFFFFFFFF)
    val offlineBackground = Color(0xFF44474E)

    /** Text on background, every pair the screens draw. */
    val textPairs: List<Pair<Color, Color>> = listOf(
        ink to paper, ink to surface, muted to paper, muted to surface,
        onPrimary to primary, primary to paper,
        done to doneBackground, late to lateBackground, missed to missedBackground,
        alertAct to alertActBackground, alertWatch to alertWatchBackground,
        offline to offlineBackground, ink to doneBackground, ink to lateBackground, ink to missedBackground,
    )
}

/** The smallest touch target: 48 dp is Android's floor; gloves want more. */
val MinTouchTarget = 56.dp

private val typography = Typography(
    titleLarge = TextStyle(fontSize = 26.sp, fontWeight = FontWeight.SemiBold, lineHeight = 32.sp),
    titleMedium = TextStyle(fontSize = 21.sp, fontWeight = FontWeight.SemiBold, lineHeight = 28.sp),
    bodyLarge = TextStyle(fontSize = 19.sp, lineHeight = 26.sp),
    bodyMedium = TextStyle(fontSize = 17.sp, lineHeight = 24.sp),
    labelLarge = TextStyle(fontSize = 18.sp, fontWeight = FontWeight.SemiBold, lineHeight = 24.sp),
)

@Composable
fun ChevetTheme(content: @Composable () -> Unit) {
    MaterialTheme(
        colorScheme = lightColorScheme(
            primary = ChevetColors.primary,
            onPrimary = ChevetColors.onPrimary,
            background = ChevetColors.paper,
            onBackground = ChevetColors.ink,
            surface = ChevetColors.paper,
            onSurface = ChevetColors.ink,
            surfaceVariant = ChevetColors.surface,
            onSurfaceVariant = ChevetColors.muted,
            error = ChevetColors.missed,
        ),
        typography = typography,
        content = content,
    )
}
