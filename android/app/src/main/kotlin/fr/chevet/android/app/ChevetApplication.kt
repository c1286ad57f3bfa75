package fr.chevet.android.app

import android.app.Application
import android.content.pm.ApplicationInfo
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.chevet.RustScaleService
import fr.chevet.android.chevet.RustTransferService
import fr.chevet.android.chevet.RustWoundService
import fr.chevet.android.chevet.RustRouteService
import fr.chevet.android.chevet.RustEnrolmentService
import fr.chevet.android.chevet.RustHandoverService
import fr.chevet.android.chevet.RustMedicationService
import fr.chevet.android.chevet.RustRoundService
import fr.chevet.android.chevet.RustSessionService
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.chevet.RustVitalsService
import fr.chevet.core.ChevetStore
import fr.chevet.core.LogLevel
import fr.chevet.core.setLogSink
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob

/** The app's one store and its services, on the IO dispatcher. */
class ChevetApplication : Application() {
    lateinit var store: ChevetStore
        private set
    lateinit var sessions: RustSessionService
        private set
    lateinit var rounds: RustRoundService
        private set
    lateinit var care: RustCareRecordService
        private set
    lateinit var scales: RustScaleService
        private set
    lateinit var transfers: RustTransferService
        private set
    lateinit var wounds: RustWoundService
        private set
    lateinit var routes: RustRouteService
        private set
    lateinit var sync: RustSyncService
        private set
    lateinit var enrolment: RustEnrolmentService
        private set
    lateinit var medication: RustMedicationService
        private set
    lateinit var handovers: RustHandoverService
        private set
    lateinit var vitals: RustVitalsService
        private set
    val clock: Clock = Clock.System
    val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    override fun onCreate() {
        super.onCreate()
        val debuggable = applicationInfo.flags and ApplicationInfo.FLAG_DEBUGGABLE != 0
        setLogSink(LogcatSink(), if (debuggable) LogLevel.DEBUG else LogLevel.INFO)
        store = ChevetStore.open(filesDir.resolve("chevet.db").path, KeystoreVault(this))
        sessions = RustSessionService(store, Dispatchers.IO)
        rounds = RustRoundService(store, Dispatchers.IO)
        care = RustCareRecordService(store, Dispatchers.IO)
        scales = RustScaleService(store, Dispatchers.IO)
        transfers = RustTransferService(store, Dispatchers.IO)
        wounds = RustWoundService(store, Dispatchers.IO)
        routes = RustRouteService(store, Dispatchers.IO)
        sync = RustSyncService(store, Dispatchers.IO)
        enrolment = RustEnrolmentService(store, Dispatchers.IO)
        medication = RustMedicationService(store, Dispatchers.IO)
        handovers = RustHandoverService(store, Dispatchers.IO)
        vitals = RustVitalsService(store, Dispatchers.IO)
        SyncWorker.schedule(this)
    }
}
