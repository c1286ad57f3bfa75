package fr.chevet.android.features.syncstatus

import fr.chevet.core.SyncFailure
import fr.chevet.core.SyncHealth
import org.junit.Assert.assertEquals
import org.junit.Test

/** The bar's French, where plurals and days are easy to get wrong. */
class SyncWordsTest {
    @Test
    fun `plurals and days`() {
        val zone = SyncFixture.zone
        assertEquals("1 enregistrement en attente d'envoi · dernière synchronisation aujourd'hui à 14\u00a0h\u00a032",
            syncWords(SyncFixture.state(SyncHealth.PENDING, pending = 1), zone).headline)
        assertEquals("Hors ligne : 3 enregistrements gardés sur la tablette, envoyés au retour du réseau",
            syncWords(SyncFixture.state(SyncHealth.OFFLINE, pending = 3), zone).headline)
        assertEquals(listOf("Dernière synchronisation hier à 14\u00a0h\u00a032"),
            syncWords(SyncFixture.state(SyncHealth.OFFLINE, pending = 3, lastSyncDaysAgo = 1), zone).details)
        assertEquals("Hors ligne : rien en attente, la tablette reste utilisable",
            syncWords(SyncFixture.state(SyncHealth.OFFLINE), zone).headline)
        assertEquals("À jour · dernière synchronisation le 28/11 à 14\u00a0h\u00a032",
            syncWords(SyncFixture.state(SyncHealth.UP_TO_DATE, lastSyncDaysAgo = 5), zone).headline)
        assertEquals(listOf("2 enregistrements refusés par le serveur, gardés pour la coordination"),
            syncWords(SyncFixture.state(SyncHealth.UP_TO_DATE, rejected = 2), zone).details)
        assertEquals("Le certificat du serveur est refusé : prévenez l'informatique de l'établissement",
            syncWords(SyncFixture.state(SyncHealth.FAILING, failure = SyncFailure.CERTIFICATE_REFUSED), zone).headline)
    }
}
