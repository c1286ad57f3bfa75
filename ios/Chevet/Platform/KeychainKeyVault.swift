import ChevetCore
import CryptoKit
import Foundation
import Security

/// The device key's vault on iOS: the core's 32-byte data key is sealed
/// with a key only this device can use, and only the sealed form is kept
/// (in the core's store).
///
/// - With a Secure Enclave: a P-256 key that never leaves it seals the data
///   key (ECIES, X9.63 SHA-256, AES-GCM); the enclave key's reference is in
///   the Keychain.
/// - Without one (the simulator): an AES-256 key in the Keychain, AES-GCM.
///
/// Both are `AfterFirstUnlockThisDeviceOnly`: background sync works while
/// the iPad is locked, and a backup restored on another device opens nothing.
nonisolated final class KeychainKeyVault: KeyVault {
    private let service = "fr.chevet.device-key"
    private let enclaveTag = Data("fr.chevet.device-key.enclave".utf8)
    private static let sealedWithEnclave: UInt8 = 1
    private static let sealedWithKeychainKey: UInt8 = 2

    func wrap(key: Data) throws -> Data {
        if SecureEnclave.isAvailable {
            let publicKey = try SecKeyCopyPublicKey(enclaveKey()).orThrow("enclave public key")
            var error: Unmanaged<CFError>?
            guard let sealed = SecKeyCreateEncryptedData(
                publicKey, .eciesEncryptionCofactorVariableIVX963SHA256AESGCM, key as CFData, &error
            ) else {
                throw VaultError.sealing
            }
            return Data([Self.sealedWithEnclave]) + (sealed as Data)
        }
        let box = try AES.GCM.seal(key, using: keychainKey())
        return Data([Self.sealedWithKeychainKey]) + (box.combined ?? Data())
    }

    func unwrap(wrapped: Data, into: UnwrappedKey) throws {
        guard let kind = wrapped.first else { throw VaultError.unreadable }
        let body = wrapped.dropFirst()
        switch kind {
        case Self.sealedWithEnclave:
            var error: Unmanaged<CFError>?
            guard let key = SecKeyCreateDecryptedData(
                try enclaveKey(), .eciesEncryptionCofactorVariableIVX963SHA256AESGCM, Data(body) as CFData, &error
            ) else {
                throw VaultError.unreadable
            }
            var bytes = key as Data
            into.put(key: bytes)
            bytes.resetBytes(in: 0..<bytes.count)
        case Self.sealedWithKeychainKey:
            var bytes = try AES.GCM.open(AES.GCM.SealedBox(combined: body), using: keychainKey())
            into.put(key: bytes)
            bytes.resetBytes(in: 0..<bytes.count)
        default:
            throw VaultError.unreadable
        }
    }

    /// The Secure Enclave key, created on first use.
    private func enclaveKey() throws -> SecKey {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey,
            kSecAttrApplicationTag as String: enclaveTag,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecReturnRef as String: true,
        ]
        var found: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &found) == errSecSuccess, let key = found {
            return key as! SecKey  // The query asks for a key reference.
        }
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .privateKeyUsage, &error
        ) else {
            throw VaultError.sealing
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true,
                kSecAttrApplicationTag as String: enclaveTag,
                kSecAttrAccessControl as String: access,
            ],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw VaultError.sealing
        }
        return key
    }

    /// The Keychain AES key, created on first use.
    private func keychainKey() throws -> SymmetricKey {
        let query: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecReturnData as String: true,
        ]
        var found: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &found) == errSecSuccess, let data = found as? Data {
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let add: [String: Any] = [
            kSecClass as String: kSecClassGenericPassword,
            kSecAttrService as String: service,
            kSecAttrAccessible as String: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecValueData as String: key.withUnsafeBytes { Data($0) },
        ]
        guard SecItemAdd(add as CFDictionary, nil) == errSecSuccess else { throw VaultError.sealing }
        return key
    }
}

enum VaultError: Error {
    case sealing
    case unreadable
}

extension Optional {
    nonisolated func orThrow(_ what: String) throws -> Wrapped {
        guard let value = self else { throw VaultError.sealing }
        return value
    }
}
