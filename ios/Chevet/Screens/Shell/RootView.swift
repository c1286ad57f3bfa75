import SwiftUI

/// The one window: the screen the shell chose, the sync bar beneath every
/// screen once enrolled, and « Changer d'utilisateur » in the toolbar.
/// Nothing leaves the app (no links out, no share to other apps from here),
/// so it runs under Guided Access or Single App Mode as it does free.
struct RootView: View {
    let app: AppModel
    let sync: SyncStatusModel?
    @Environment(\.scenePhase) private var scenePhase
    /// The residents' files opened from the round.
    @State private var path: [ResidentRoute] = []

    var body: some View {
        NavigationStack(path: $path) {
            content
                .navigationDestination(for: ResidentRoute.self) { route in
                    if let env = app.environment {
                        switch route.screen {
                        case .file:
                            Owned(ResidentFileModel(care: env.care, residentId: route.residentId)) { model in
                                ResidentFileView(
                                    model: model,
                                    onOpenScales: { file in
                                        path.append(ResidentRoute(.scales, file))
                                    },
                                    onOpenTransfer: { file in
                                        path.append(ResidentRoute(.transfer, file))
                                    },
                                    onOpenWounds: { file in
                                        path.append(ResidentRoute(.wounds, file))
                                    }
                                )
                            }
                        case .scales:
                            Owned(ScalesModel(
                                scales: env.scales, residentId: route.residentId, residentName: route.name,
                                room: route.room, clock: env.clock, onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { ScalesView(model: $0) }
                        case .transmission:
                            Owned(TransmissionModel(
                                care: env.care, residentId: route.residentId, residentName: route.name,
                                room: route.room, clock: env.clock, onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { TransmissionView(model: $0) }
                        case .handover:
                            Owned(HandoverModel(
                                handovers: env.handovers, unitId: route.residentId, clock: env.clock
                            )) { HandoverView(model: $0) }
                        case .transfer:
                            Owned(TransferModel(
                                transfers: env.transfers, residentId: route.residentId, residentName: route.name,
                                room: route.room, timeZone: TimeZone(identifier: "Europe/Paris") ?? .current,
                                clock: env.clock, onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { model in
                                TransferView(model: model) {
                                    VitalsModel(
                                        vitals: env.vitals, residentId: route.residentId, residentName: route.name,
                                        room: route.room, clock: env.clock
                                    )
                                }
                            }
                        case .wounds:
                            Owned(WoundsModel(
                                wounds: env.wounds, residentId: route.residentId, residentName: route.name,
                                room: route.room, initial: route.wounds, clock: env.clock,
                                onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { WoundsView(model: $0) }
                        case .route:
                            Owned(RouteModel(
                                routes: env.routes, unitId: route.residentId,
                                timeZone: TimeZone(identifier: route.timeZone) ?? .current, clock: env.clock,
                                onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { RouteView(model: $0) }
                        case .medication:
                            Owned(MedicationModel(
                                medication: env.medication, unitId: route.unitId, residentId: route.residentId,
                                residentName: route.name, room: route.room, clock: env.clock,
                                onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { MedicationView(model: $0) }
                        case .vitals:
                            Owned(VitalsModel(
                                vitals: env.vitals, residentId: route.residentId, residentName: route.name,
                                room: route.room, clock: env.clock, onRecorded: { Task { await sync?.send(.refresh) } }
                            )) { VitalsView(model: $0) }
                        }
                    }
                }
                .toolbar {
                    if let who = app.signedIn {
                        ToolbarItem(placement: .topBarTrailing) {
                            Button("Changer d'utilisateur (\(who.displayName))", systemImage: "person.2") {
                                Task { await app.lock() }
                            }
                        }
                    }
                }
        }
        .safeAreaInset(edge: .bottom) {
            if let sync, app.screen != .enrolment, app.screen != .storeFailed {
                SyncStatusBar(model: sync)
            }
        }
        .simultaneousGesture(TapGesture().onEnded { app.touched() })
        .task { await app.start() }
        .onChange(of: app.signedIn) { _, who in
            // Locked or someone else: no file stays open.
            if who == nil { path.removeAll() }
        }
        .onChange(of: scenePhase) { _, phase in
            // Out of sight, the tablet may be left on a trolley: lock it.
            if phase == .background {
                Task { await app.lock() }
                BackgroundSync.schedule()
            }
        }
    }

    @ViewBuilder
    private var content: some View {
        switch app.screen {
        case .starting:
            ProgressView()
        case .storeFailed:
            ContentUnavailableView(
                "Les données de cette tablette ne s'ouvrent pas.",
                systemImage: "lock.trianglebadge.exclamationmark",
                description: Text("Prévenez le responsable informatique de l'établissement.")
            )
        case .enrolment:
            if let env = app.environment {
                EnrolmentScreen(environment: env) { Task { await app.enrolled() } }
            }
        case .signIn:
            if let env = app.environment {
                Owned(SignInModel(sessions: env.sessions, clock: env.clock)) { model in
                    SignInView(model: model) { session in
                        Task { await app.didSignIn(session) }
                    }
                }
                .id(app.signedIn == nil)
            }
        case .chooseUnit(let units):
            List(units) { unit in
                Button(unit.name) { app.choose(unit) }.frame(minHeight: 56)
            }
            .navigationTitle("Quelle unité ?")
            .overlay { if units.isEmpty { ContentUnavailableView("Aucune unité sur cette tablette.", systemImage: "building.2") } }
        case .round(let unit):
            if let env = app.environment {
                Owned(RoundModel(
                    rounds: env.rounds, unitId: unit.id, clock: env.clock,
                    onRecorded: { Task { await sync?.send(.refresh) } },
                    onOpenFile: { residentId in path.append(ResidentRoute(screen: .file, residentId: residentId)) },
                    onOpenVitals: { resident in
                        path.append(ResidentRoute(.vitals, resident))
                    },
                    onOpenTransmission: { resident in
                        path.append(ResidentRoute(.transmission, resident))
                    },
                    onOpenMedication: { resident in
                        path.append(ResidentRoute(.medication, resident, unitId: unit.id))
                    }
                )) { RoundView(model: $0) }
                .navigationTitle(unit.name)
                .toolbar {
                    if unit.homeCare {
                        ToolbarItem(placement: .topBarLeading) {
                            Button("Domicile", systemImage: "car") {
                                path.append(ResidentRoute(screen: .route, residentId: unit.id, timeZone: unit.timeZone))
                            }
                        }
                    }
                    ToolbarItem(placement: .topBarLeading) {
                        Button("Relève", systemImage: "list.bullet.clipboard") {
                            // The route carries the unit in place of a resident.
                            path.append(ResidentRoute(screen: .handover, residentId: unit.id))
                        }
                    }
                }
                .id(unit.id)
            }
        }
    }
}

/// A screen on the navigation stack, opened from the round.
struct ResidentRoute: Hashable {
    enum Screen: Hashable {
        case file, vitals, transmission, scales, medication, transfer, wounds
        /// A home-care sector's route of the day (`residentId` then holds the unit's id).
        case route
        /// The unit's handover (`residentId` then holds the unit's id).
        case handover
    }

    let screen: Screen
    let residentId: String
    var name = ""
    var room = ""
    var unitId = ""
    var timeZone = ""
    var wounds: [Wound] = []
}

extension ResidentRoute {
    /// A resident's screen opened from the round.
    init(_ screen: Screen, _ resident: RoundResident, unitId: String = "") {
        self.init(screen: screen, residentId: resident.id, name: resident.displayName, room: resident.room, unitId: unitId)
    }

    /// A resident's screen opened from their file (its open wounds with it).
    init(_ screen: Screen, _ file: ResidentFile) {
        self.init(
            screen: screen, residentId: file.residentId, name: file.displayName, room: file.room, wounds: file.wounds
        )
    }
}

/// The enrolment form, and the shell told once the tablet is ready.
private struct EnrolmentScreen: View {
    @State private var model: EnrolmentModel
    let onDone: () -> Void

    init(environment: CoreEnvironment, onDone: @escaping () -> Void) {
        _model = State(initialValue: EnrolmentModel(enrolment: environment.enrolment, sync: environment.sync))
        self.onDone = onDone
    }

    var body: some View {
        EnrolmentView(model: model)
            .onChange(of: model.step) { _, step in
                if step == .done { onDone() }
            }
    }
}

/// Owns a screen's model for as long as the screen is there: SwiftUI keeps
/// `@State` across redraws, so a redraw of the shell never resets a screen
/// (the model made again on a redraw is dropped unused; making one has no
/// side effect).
struct Owned<Model: AnyObject, Content: View>: View {
    @State private var model: Model
    private let content: (Model) -> Content

    init(_ model: @autoclosure () -> Model, @ViewBuilder content: @escaping (Model) -> Content) {
        _model = State(initialValue: model())
        self.content = content
    }

    var body: some View { content(model) }
}
