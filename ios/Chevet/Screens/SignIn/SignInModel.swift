import Foundation
import Observation

/// What the right-hand panel asks for.
enum SignInStep: Equatable, Sendable {
    /// Nobody chosen yet.
    case chooseWho
    /// The chosen professional's PIN.
    case pin
    /// No PIN here yet: the establishment's first-PIN code.
    case firstPinCode
    /// The new PIN, then the same again.
    case newPin
    case confirmPin
}

/// Why the last attempt did not sign in, for the screen to say.
enum SignInError: Equatable, Sendable {
    case wrongPin(attemptsLeft: Int)
    case wrongCode(attemptsLeft: Int)
    case weakPin(reason: String)
    case pinsDiffer
    case noWayIn
    /// The establishment deactivated this professional (they left).
    case deactivated
    case failed(ServiceError)
}

enum SignInEvent: Sendable {
    case load
    case choose(staffId: String)
    case digit(Int)
    case erase
    case code(String)
    case submit
    /// Back to the list: someone else takes the tablet.
    case chooseSomeoneElse
}

/// The longest PIN the core accepts, and the shortest.
let maxPinDigits = 12
let minPinDigits = 4

/// Choosing who I am and proving it: the PIN, or a first PIN set with the
/// establishment's code. The core counts attempts and decides the lock-out;
/// this shows what it said and counts the lock-out down. (The Android
/// app's `SignInPresenter`, state for state.)
@Observable
final class SignInModel {
    private(set) var loading = true
    private(set) var accounts: [StaffAccount] = []
    private(set) var chosen: StaffAccount?
    private(set) var step: SignInStep = .chooseWho
    /// How many digits are typed (the digits themselves stay private).
    private(set) var digits = 0
    /// The first-PIN code as typed (it is shown: it is read off a paper).
    private(set) var code = ""
    private(set) var checking = false
    private(set) var error: SignInError?
    /// Seconds until the lock-out ends; the pad waits meanwhile.
    private(set) var lockedOutSeconds: Int?
    private(set) var signedIn: SignedIn?

    @ObservationIgnored private let sessions: any SessionService
    @ObservationIgnored private let clock: any Clock
    // The digits typed, wiped after each step; never observed.
    @ObservationIgnored private var typed: [Character] = []
    // The new PIN between its two typings: kept from newPin to confirmPin only,
    // forgotten once compared, or when someone else or another step takes over.
    @ObservationIgnored private var newPin: [Character]?
    @ObservationIgnored private var countdown: Task<Void, Never>?

    init(sessions: any SessionService, clock: any Clock) {
        self.sessions = sessions
        self.clock = clock
    }

    func send(_ event: SignInEvent) async {
        switch event {
        case .load:
            await load()
        case .choose(let staffId):
            choose(staffId)
        case .digit(let d):
            guard canType else { return }
            if typed.count < maxPinDigits {
                typed.append(Character(String(min(max(d, 0), 9))))
            }
            digits = typed.count
            error = nil
        case .erase:
            if !typed.isEmpty { typed.removeLast() }
            digits = typed.count
        case .code(let text):
            code = String(text.uppercased().prefix(11))
            error = nil
        case .submit:
            await submit()
        case .chooseSomeoneElse:
            wipe()
            forgetNewPin()
            countdown?.cancel()
            chosen = nil
            step = .chooseWho
            digits = 0
            code = ""
            error = nil
            lockedOutSeconds = nil
            signedIn = nil
        }
    }

    private var canType: Bool { !checking && lockedOutSeconds == nil && step != .chooseWho }

    private func load() async {
        switch await sessions.staffAccounts() {
        case .success(let list):
            accounts = list
        case .failure(let e):
            error = .failed(e)
        }
        loading = false
    }

    private func choose(_ staffId: String) {
        guard let account = accounts.first(where: { $0.id == staffId }) else { return }
        wipe()
        forgetNewPin()
        let next: SignInStep? = account.pinSet ? .pin : (account.firstPinPossible ? .firstPinCode : nil)
        chosen = account
        step = next ?? .chooseWho
        digits = 0
        code = ""
        error = next == nil ? .noWayIn : nil
        lockedOutSeconds = nil
    }

    private func submit() async {
        guard let who = chosen, !checking, lockedOutSeconds == nil else { return }
        switch step {
        case .chooseWho:
            return
        case .pin:
            guard typed.count >= minPinDigits else { return }
            let pin = String(typed)
            wipe()
            await check { await self.sessions.signIn(staffId: who.id, pin: pin) }
        case .firstPinCode:
            if !code.trimmingCharacters(in: .whitespaces).isEmpty {
                step = .newPin
                digits = 0
            }
        case .newPin:
            guard typed.count >= minPinDigits else { return }
            forgetNewPin()
            newPin = typed
            wipe()
            step = .confirmPin
            digits = 0
        case .confirmPin:
            let confirm = String(typed)
            let same = newPin == typed
            wipe()
            forgetNewPin()
            guard same else {
                step = .newPin
                digits = 0
                error = .pinsDiffer
                return
            }
            let code = self.code
            await check { await self.sessions.setFirstPin(staffId: who.id, code: code, newPin: confirm) }
        }
    }

    private func check(_ attempt: @escaping () async -> Result<SignedIn, ServiceError>) async {
        checking = true
        digits = 0
        let result = await attempt()
        checking = false
        switch result {
        case .success(let session):
            signedIn = session
            error = nil
        case .failure(let e):
            refused(e)
        }
    }

    private func refused(_ e: ServiceError) {
        switch e {
        case .wrongPin(let left): error = .wrongPin(attemptsLeft: left)
        case .wrongFirstPinCode(let left): error = .wrongCode(attemptsLeft: left)
        case .weakPin(let reason): error = .weakPin(reason: reason)
        case .firstPinUnavailable: error = .noWayIn
        case .staffDeactivated: error = .deactivated
        case .lockedOut: error = nil
        default: error = .failed(e)
        }
        // A wrong code or a weak PIN starts the first PIN over; a wrong PIN asks again.
        switch e {
        case .wrongFirstPinCode: step = .firstPinCode
        case .weakPin: step = .newPin
        default: break
        }
        if case .lockedOut(let until) = e { countDown(until) }
    }

    private func countDown(_ until: Date) {
        countdown?.cancel()
        countdown = Task { [weak self] in
            while let self, !Task.isCancelled {
                let left = Int(until.timeIntervalSince(self.clock.now()).rounded(.up))
                if left <= 0 {
                    self.lockedOutSeconds = nil
                    return
                }
                self.lockedOutSeconds = left
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Overwrites the digits typed at this step; the new PIN kept for its confirmation stays.
    private func wipe() {
        for i in typed.indices { typed[i] = "0" }
        typed.removeAll()
    }

    private func forgetNewPin() {
        // In place: the kept digits are overwritten, not a copy of them.
        for i in newPin?.indices ?? 0..<0 { newPin?[i] = "0" }
        newPin = nil
    }
}
