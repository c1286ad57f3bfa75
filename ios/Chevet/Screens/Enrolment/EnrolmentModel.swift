import Foundation
import Observation

/// Where the enrolment of a new tablet stands.
enum EnrolmentStep: Equatable, Sendable {
    /// The form: the hub's address, the code and the tablet's name.
    case form
    /// The hub is being asked to take this tablet.
    case enrolling
    /// Enrolled; the first sync brings the units, the staff and the residents.
    case firstSync(pulled: Int)
    /// Ready: the shell moves on to "who are you".
    case done
}

enum EnrolmentField: Equatable, Sendable {
    case hubUrl, code, label
}

/// What went wrong, for the screen to say in French.
enum EnrolmentError: Equatable, Sendable {
    /// A field of the form is empty.
    case incomplete(EnrolmentField)
    /// The scanned QR code is not a Chevet enrolment code.
    case notAnEnrolmentQr
    /// The hub or the network refused.
    case refused(ServiceError)
    /// Enrolled, but the first sync failed: it is retried from the sync bar.
    case firstSyncFailed(ServiceError)
}

enum EnrolmentEvent: Sendable {
    case hubUrlChanged(String)
    case codeChanged(String)
    case labelChanged(String)
    /// The text of a QR code the camera read.
    case qrScanned(String)
    case submit
    case dismissError
}

/// A new tablet joins its establishment's hub: by the console's QR code
/// (address, code and, for a private PKI, the establishment's CA) or typed.
/// (The Android app's `EnrolmentPresenter`, state for state.)
@Observable
final class EnrolmentModel {
    private(set) var hubUrl = ""
    private(set) var code = ""
    /// What the coordinator's console will call this tablet (« Chariot 1er étage »).
    private(set) var label = ""
    /// The establishment's CA, when a scanned QR code brought one (never typed).
    private(set) var establishmentCaPem: String?
    /// The address and code came from a scanned QR code.
    private(set) var fromQr = false
    private(set) var step: EnrolmentStep = .form
    private(set) var error: EnrolmentError?

    @ObservationIgnored private let enrolment: any EnrolmentService
    @ObservationIgnored private let sync: any SyncService

    init(enrolment: any EnrolmentService, sync: any SyncService) {
        self.enrolment = enrolment
        self.sync = sync
    }

    func send(_ event: EnrolmentEvent) async {
        switch event {
        case .hubUrlChanged(let value):
            // Typing over a scanned address drops the CA that came with it.
            hubUrl = value.trimmingCharacters(in: .whitespaces)
            establishmentCaPem = nil
            fromQr = false
            error = nil
        case .codeChanged(let value):
            code = value.trimmingCharacters(in: .whitespaces)
            error = nil
        case .labelChanged(let value):
            label = value
            error = nil
        case .qrScanned(let text):
            switch enrolment.readLink(text) {
            case .success(let link):
                hubUrl = link.hubUrl
                code = link.code
                establishmentCaPem = link.establishmentCaPem
                fromQr = true
                error = nil
                // The name is the one thing a QR code cannot know.
                if !label.trimmingCharacters(in: .whitespaces).isEmpty { await submit() }
            case .failure:
                error = .notAnEnrolmentQr
            }
        case .submit:
            await submit()
        case .dismissError:
            error = nil
        }
    }

    private func submit() async {
        guard step == .form else { return }  // a double tap enrols once
        let missing: EnrolmentField? =
            if hubUrl.isEmpty { .hubUrl } else if code.isEmpty { .code } else if label.trimmingCharacters(
                in: .whitespaces
            ).isEmpty { .label } else { nil }
        if let missing {
            error = .incomplete(missing)
            return
        }
        step = .enrolling
        error = nil
        let name = label.trimmingCharacters(in: .whitespaces)
        switch await enrolment.enrol(hubUrl: hubUrl, code: code, label: name, establishmentCaPem: establishmentCaPem) {
        case .success:
            await firstSync()
        case .failure(let e):
            step = .form
            error = .refused(e)
        }
    }

    private func firstSync() async {
        step = .firstSync(pulled: 0)
        let result = await sync.sync { progress in
            Task { @MainActor [weak self] in
                if case .firstSync = self?.step { self?.step = .firstSync(pulled: progress.pulled) }
            }
        }
        step = .done
        // Enrolled all the same: the shell goes on, and the sync bar retries.
        if case .failure(let e) = result { error = .firstSyncFailed(e) }
    }
}
