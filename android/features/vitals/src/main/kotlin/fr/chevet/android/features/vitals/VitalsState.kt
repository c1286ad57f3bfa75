package fr.chevet.android.features.vitals

import fr.chevet.core.ChevetException
import fr.chevet.core.ConsciousnessLevel
import fr.chevet.core.VitalSetPreviewInfo

/**
 * The measures typed on the screen, with their unit and catalogue code (LOINC). Glycaemia's unit is the
 * establishment's ([VitalsState.glucoseUnit], g/L by default), said by the core, which converts it.
 */
enum class VitalField(val label: String, val unit: String, val loinc: String) {
    Temperature("Température", "°C", "8310-5"),
    Pulse("Pouls", "/min", "8867-4"),
    RespiratoryRate("Fréquence respiratoire", "/min", "9279-1"),
    OxygenSaturation("SpO2", "%", "2708-6"),
    Systolic("TA systolique", "mmHg", "85354-9"),
    Diastolic("TA diastolique", "mmHg", "85354-9"),
    OxygenFlow("Oxygène", "L/min (0 = air)", "3151-8"),
    Pain("Douleur (EN 0 à 10)", "", "72514-3"),
    Weight("Poids", "kg", "29463-7"),
    Glucose("Glycémie", "", "2345-7"),
}

/** What went wrong, for the screen to say in French. */
sealed interface VitalsError {
    /** A field holds something that is not a number. */
    data class NotANumber(val field: VitalField) : VitalsError
    data class SaveFailed(val error: ChevetException) : VitalsError
}

data class VitalsState(
    val residentName: String,
    val room: String,
    /** The text of each field as typed ("37,5"). */
    val typed: Map<VitalField, String> = emptyMap(),
    /** The unit glycaemia is typed in here, as the core says it (« g/L »); null until read. */
    val glucoseUnit: String? = null,
    val consciousness: ConsciousnessLevel? = null,
    /** The core's reading of the set: values to look at, NEWS2 once complete. */
    val preview: VitalSetPreviewInfo? = null,
    val saving: Boolean = false,
    /** How many measures the last save kept. */
    val saved: Int? = null,
    val error: VitalsError? = null,
)

sealed interface VitalsEvent {
    data class Typed(val field: VitalField, val text: String) : VitalsEvent
    data class Consciousness(val level: ConsciousnessLevel) : VitalsEvent

    /** "Corriger en 37,5": the likely reading the core offered. */
    data class UseLikely(val loinc: String, val value: Double) : VitalsEvent
    data object Save : VitalsEvent
    data object DismissError : VitalsEvent
}

/** "37,5" or "37.5" as a number; null for empty; NaN for anything else. */
fun parseFrench(text: String): Double? {
    val t = text.trim().replace(',', '.')
    if (t.isEmpty()) return null
    return t.toDoubleOrNull() ?: Double.NaN
}

/** A number as French writes it: "37,5", "92". */
fun frenchNumber(v: Double): String {
    val s = if (v == Math.rint(v)) "%.0f".format(v) else "%.2f".format(java.util.Locale.ROOT, v).trimEnd('0').trimEnd('.')
    return s.replace('.', ',')
}

/** A field's unit on this screen: glycaemia's is the establishment's. */
fun VitalsState.unitOf(field: VitalField): String =
    if (field == VitalField.Glucose) glucoseUnit.orEmpty() else field.unit
