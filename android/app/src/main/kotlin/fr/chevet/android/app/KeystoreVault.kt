package fr.chevet.android.app

import android.content.Context
import android.content.pm.PackageManager
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import android.security.keystore.StrongBoxUnavailableException
import fr.chevet.core.PlatformKeyVault
import fr.chevet.core.VaultException
import java.security.GeneralSecurityException
import java.security.KeyStore
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * The device key wrapped by an AES-256-GCM key of the Android Keystore:
 * non-exportable, in StrongBox when the device has one, and not bound to a
 * user's screen lock — the tablet is shared, its people sign in with their
 * PIN in the app. The plaintext arrays are wiped by [PlatformKeyVault].
 */
class KeystoreVault(private val context: Context) : PlatformKeyVault() {
    private fun key(): SecretKey {
        val store = KeyStore.getInstance(KEYSTORE).apply { load(null) }
        (store.getKey(ALIAS, null) as? SecretKey)?.let { return it }
        val strongBox = context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)
        return try {
            generate(strongBox)
        } catch (e: StrongBoxUnavailableException) {
            generate(false)
        }
    }

    private fun generate(strongBox: Boolean): SecretKey {
        val spec = KeyGenParameterSpec.Builder(ALIAS, KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT)
            .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
            .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
            .setKeySize(256)
            .setUserAuthenticationRequired(false)
            .setIsStrongBoxBacked(strongBox)
            .build()
        return KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, KEYSTORE).run {
            init(spec)
            generateKey()
        }
    }

    override fun seal(plain: ByteArray): ByteArray = try {
        // The Keystore chooses the IV (randomized encryption); it goes first.
        val cipher = Cipher.getInstance(TRANSFORMATION).apply { init(Cipher.ENCRYPT_MODE, key()) }
        cipher.iv + cipher.doFinal(plain)
    } catch (e: GeneralSecurityException) {
        throw VaultException.Failed("keystore refused to wrap (${e.javaClass.simpleName})")
    }

    override fun open(sealed: ByteArray): ByteArray = try {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.DECRYPT_MODE, key(), GCMParameterSpec(128, sealed, 0, IV_LEN))
        cipher.doFinal(sealed, IV_LEN, sealed.size - IV_LEN)
    } catch (e: GeneralSecurityException) {
        throw VaultException.Failed("keystore refused to unwrap (${e.javaClass.simpleName})")
    }

    private companion object {
        const val KEYSTORE = "AndroidKeyStore"
        const val ALIAS = "chevet-device-key-wrap"
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        const val IV_LEN = 12
    }
}
