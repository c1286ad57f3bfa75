import Foundation

/// A failure of the core in words a care worker can act on.
enum ServiceErrorWords {
    static func words(_ error: ServiceError) -> String {
        switch error {
        case .hubUnreachable: String(localized: "le serveur est injoignable (réseau ?).")
        case .hubCertificateRefused(.expired):
            String(localized: "le certificat du serveur a expiré, ou l'horloge de la tablette est fausse.")
        case .hubCertificateRefused(.wrongName):
            String(localized: "le certificat du serveur porte un autre nom que son adresse.")
        case .hubCertificateRefused(.unknownIssuer):
            String(localized: "le certificat du serveur n'est pas signé par l'autorité de l'établissement.")
        case .hubCertificateRefused(.invalid): String(localized: "le certificat du serveur est refusé.")
        case .hubRefused(let status): String(localized: "le serveur a refusé la demande (\(status)).")
        case .deviceRevoked:
            String(localized: "la tablette a été révoquée par l'établissement et effacée : faites-la enrôler de nouveau.")
        case .notEnrolled: String(localized: "la tablette n'est pas enrôlée.")
        case .syncInProgress: String(localized: "une synchronisation était déjà en cours.")
        case .syncCancelled: String(localized: "arrêtée ; ce qui était envoyé reste envoyé.")
        case .noSession: String(localized: "la session s'est verrouillée : reconnectez-vous.")
        case .permissionDenied: String(localized: "votre fonction ne permet pas cet enregistrement.")
        case .staffDeactivated: String(localized: "ce compte a été désactivé par l'établissement.")
        case .invalidInput: String(localized: "la saisie est refusée.")
        case .wrongHomeTag(true): String(localized: "Ce badge n'est pas celui de ce domicile : rien n'est enregistré.")
        case .wrongHomeTag(false):
            String(localized: "Aucun badge n'est enregistré pour ce domicile : pointez à la main ou faites-le enregistrer.")
        default: String(localized: "erreur de la tablette.")
        }
    }
}
