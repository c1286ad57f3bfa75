package fr.chevet.core

/**
 * A [KeyVault] over the platform's cipher (the Android Keystore's AES-GCM key).
 *
 * The cipher APIs take and return byte arrays, so the raw device key is in the
 * JVM heap for the length of one call. This class keeps it to one array each
 * way and zero-fills it as soon as the call is over: the argument of [seal]
 * once sealed, the result of [open] once handed to the core. Subclasses only
 * say how to seal and open; they must not keep or copy the plaintext.
 */
abstract class PlatformKeyVault : KeyVault {
    /** Encrypts [plain] with the platform's key. */
    protected abstract fun seal(plain: ByteArray): ByteArray

    /** Decrypts what [seal] returned; throws [VaultException] when it cannot. */
    protected abstract fun open(sealed: ByteArray): ByteArray

    final override fun wrap(key: ByteArray): ByteArray =
        try {
            seal(key)
        } finally {
            key.fill(0)
        }

    final override fun unwrap(wrapped: ByteArray, into: UnwrappedKey) {
        val key = open(wrapped)
        try {
            into.put(key)
        } finally {
            key.fill(0)
        }
    }
}
