import Foundation
import Observation

/// Which screen the shell shows.
enum AppScreen: Equatable, Sendable {
    case starting
    /// The store would not open (wrong key, damaged): nothing else can run.
    case storeFailed
    case enrolment
    case signIn
    /// Several units: which one this round is for.
    case chooseUnit([CareUnit])
    case round(CareUnit)
}

/// The shell: enrolment first, then who-am-I, then the round; the quick
/// switch and the idle lock lock the core's session and go back to
/// who-am-I. (The Android app's `Shell`.)
@Observable
final class AppModel {
    private(set) var screen: AppScreen = .starting
    private(set) var signedIn: SignedIn?

    @ObservationIgnored let environment: CoreEnvironment?
    @ObservationIgnored private let idleLockAfter: TimeInterval
    @ObservationIgnored private var lastActivity = Date.distantPast
    @ObservationIgnored private var idleWatch: Task<Void, Never>?

    init(environment: CoreEnvironment?, idleLockAfter: TimeInterval = 120) {
        self.environment = environment
        self.idleLockAfter = idleLockAfter
    }

    func start() async {
        guard let env = environment else {
            screen = .storeFailed
            return
        }
        switch await env.enrolment.enrolled() {
        case .success(false): screen = .enrolment
        // An unreadable status is treated as enrolled: the sync bar then says what is wrong.
        case .success(true), .failure: await showSignInOrRound()
        }
    }

    /// The first sync after enrolment is done (or failed: the bar retries).
    func enrolled() async {
        screen = .signIn
    }

    func didSignIn(_ session: SignedIn) async {
        signedIn = session
        touched()
        watchIdle()
        guard let env = environment else { return }
        switch await env.rounds.units() {
        case .success(let units) where units.count == 1: screen = .round(units[0])
        case .success(let units): screen = .chooseUnit(units)
        case .failure: screen = .chooseUnit([])
        }
    }

    func choose(_ unit: CareUnit) {
        screen = .round(unit)
    }

    /// A touch anywhere: the idle lock starts over.
    func touched() {
        lastActivity = environment?.clock.now() ?? Date()
    }

    /// « Changer d'utilisateur », the idle lock, or the app leaving the screen.
    func lock() async {
        idleWatch?.cancel()
        signedIn = nil
        if let env = environment { _ = await env.sessions.lock() }
        if screen != .enrolment && screen != .storeFailed && screen != .starting { screen = .signIn }
    }

    private func showSignInOrRound() async {
        // A session the core still holds (the app came back quickly) goes on.
        if let env = environment, case .success(let session?) = await env.sessions.currentSession() {
            await didSignIn(session)
        } else {
            screen = .signIn
        }
    }

    private func watchIdle() {
        idleWatch?.cancel()
        idleWatch = Task { [weak self] in
            while let self, !Task.isCancelled {
                let now = self.environment?.clock.now() ?? Date()
                let idle = now.timeIntervalSince(self.lastActivity)
                if idle >= self.idleLockAfter {
                    await self.lock()
                    return
                }
                try? await Task.sleep(for: .seconds(min(self.idleLockAfter - idle, 1)))
            }
        }
    }
}
