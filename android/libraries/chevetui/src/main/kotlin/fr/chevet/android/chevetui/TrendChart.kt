package fr.chevet.android.chevetui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.PathEffect
import androidx.compose.ui.graphics.StrokeCap
import androidx.compose.ui.graphics.drawscope.DrawScope
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.TextMeasurer
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.drawText
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.rememberTextMeasurer
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.core.ChartKind
import fr.chevet.core.LineKind
import fr.chevet.core.VitalChartInfo

/** A reference line's colour and dash: never colour alone, the legend says what it is. */
private fun lineColour(kind: LineKind): Color = when (kind) {
    LineKind.ALERT -> ChevetColors.late
    LineKind.UNDERNUTRITION -> ChevetColors.late
    LineKind.SEVERE_UNDERNUTRITION -> ChevetColors.missed
}

private fun dash(kind: LineKind): PathEffect = when (kind) {
    LineKind.SEVERE_UNDERNUTRITION -> PathEffect.dashPathEffect(floatArrayOf(4f, 4f))
    else -> PathEffect.dashPathEffect(floatArrayOf(12f, 6f))
}

/**
 * A trend chart as the core computed it: its title and latest value, the
 * measures over the window (the blood pressure as systolic–diastolic bars),
 * the reference lines dashed with a legend in words, the axis on the
 * core's round ticks. Drawn on a Canvas; read as one sentence by TalkBack.
 */
@Composable
fun TrendChart(chart: VitalChartInfo, modifier: Modifier = Modifier, plotHeight: Dp = 160.dp) {
    val measurer = rememberTextMeasurer()
    val ink = ChevetColors.ink
    val muted = ChevetColors.muted
    val grid = ChevetColors.surface
    val alert = ChevetColors.missed
    val tickStyle = remember { TextStyle(fontSize = 13.sp, color = muted) }
    val description = remember(chart) {
        buildString {
            append(chart.title).append(". ").append(chart.caption).append('.')
            if (chart.points.isNotEmpty()) append(" ${chart.points.size} mesure(s).")
            val beyond = chart.points.count { it.alert }
            if (beyond > 0) append(" $beyond au-delà d'un seuil d'alerte.")
            for (l in chart.lines) append(' ').append(l.label).append('.')
        }
    }
    Column(modifier, verticalArrangement = Arrangement.spacedBy(4.dp)) {
        Text(chart.title, style = MaterialTheme.typography.titleMedium)
        Text(chart.caption, style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.SemiBold)
        Canvas(Modifier.fillMaxWidth().height(plotHeight).semantics { contentDescription = description }) {
            val left = 44.dp.toPx()
            val bottom = size.height - 22.dp.toPx()
            val top = 6.dp.toPx()
            val right = size.width - 8.dp.toPx()
            val span = (chart.yMax - chart.yMin).takeIf { it > 0 } ?: 1.0
            val tSpan = (chart.toMs - chart.fromMs).takeIf { it > 0 } ?: 1L
            fun y(v: Double) = (bottom - (v - chart.yMin) / span * (bottom - top)).toFloat()
            fun x(ms: Long) = (left + (ms - chart.fromMs).toDouble() / tSpan * (right - left)).toFloat()

            for (t in chart.yTicks) {
                val yy = y(t.at)
                drawLine(grid, Offset(left, yy), Offset(right, yy), strokeWidth = 1.5f)
                label(measurer, t.label, tickStyle, Offset(left - 6.dp.toPx(), yy), alignEnd = true)
            }
            for (t in chart.xTicks) {
                val xx = x(t.at.toLong())
                drawLine(grid, Offset(xx, top), Offset(xx, bottom), strokeWidth = 1.5f)
                label(measurer, t.label, tickStyle, Offset(xx, bottom + 11.dp.toPx()), centred = true)
            }
            drawLine(muted, Offset(left, bottom), Offset(right, bottom), strokeWidth = 2f)
            for (l in chart.lines) {
                val yy = y(l.value)
                drawLine(lineColour(l.kind), Offset(left, yy), Offset(right, yy), strokeWidth = 3f, pathEffect = dash(l.kind))
            }
            val radius = 4.dp.toPx()
            if (chart.kind == ChartKind.BLOOD_PRESSURE) {
                for (p in chart.points) {
                    val xx = x(p.atMs)
                    val low = p.low ?: p.value
                    val colour = if (p.alert) alert else ink
                    drawLine(colour, Offset(xx, y(p.value)), Offset(xx, y(low)), strokeWidth = 3f, cap = StrokeCap.Round)
                    drawCircle(colour, radius * if (p.alert) 1.5f else 1f, Offset(xx, y(p.value)))
                    drawCircle(colour, radius, Offset(xx, y(low)), style = Stroke(width = 2.5f))
                }
            } else {
                val path = Path()
                chart.points.forEachIndexed { i, p ->
                    val o = Offset(x(p.atMs), y(p.value))
                    if (i == 0) path.moveTo(o.x, o.y) else path.lineTo(o.x, o.y)
                }
                drawPath(path, ChevetColors.primary, style = Stroke(width = 3f))
                // Beyond a threshold: bigger and in the alert colour (the legend and the file's alerts say it in words).
                for (p in chart.points) {
                    drawCircle(if (p.alert) alert else ChevetColors.primary, radius * if (p.alert) 1.5f else 1f, Offset(x(p.atMs), y(p.value)))
                }
            }
        }
        for (l in chart.lines) Legend(l.label, lineColour(l.kind))
        if (chart.kind == ChartKind.BLOOD_PRESSURE && chart.points.isNotEmpty()) {
            Text("● systolique   ○ diastolique", style = MaterialTheme.typography.bodyMedium, color = muted)
        }
    }
}

@Composable
private fun Legend(text: String, colour: Color) {
    Row(verticalAlignment = Alignment.CenterVertically) {
        Box(Modifier.width(28.dp).height(4.dp).background(colour))
        Text(text, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(start = 8.dp))
    }
}

private fun DrawScope.label(
    measurer: TextMeasurer,
    text: String,
    style: TextStyle,
    at: Offset,
    alignEnd: Boolean = false,
    centred: Boolean = false,
) {
    val layout = measurer.measure(text, style)
    val x = when {
        alignEnd -> at.x - layout.size.width
        centred -> at.x - layout.size.width / 2f
        else -> at.x
    }
    drawText(layout, topLeft = Offset(x, at.y - layout.size.height / 2f))
}
