import SwiftUI

/// The day's route: each home in order, its arrival and departure stamped by
/// the home's QR sticker or by hand; a nurse registers a home's sticker.
struct RouteView: View {
    let model: RouteModel

    var body: some View {
        List {
            if model.routes.count > 1 {
                Picker("Tournée", selection: Binding(
                    get: { model.route?.routeId ?? "" },
                    set: { id in Task { await model.send(.choose(routeId: id)) } }
                )) {
                    ForEach(model.routes) { Text($0.label).tag($0.id) }
                }
            }
            if let notice = model.notice {
                Text(notice).foregroundStyle(.green)
            }
            if let error = model.error {
                Text(ServiceErrorWords.words(error)).foregroundStyle(.red)
            }
            if let route = model.route {
                ForEach(route.stops) { stop in
                    Section {
                        if let started = stop.started {
                            Text("Arrivée \(started.formatted(date: .omitted, time: .shortened))")
                        }
                        if let ended = stop.ended {
                            Text("Départ \(ended.formatted(date: .omitted, time: .shortened))")
                        }
                        HStack {
                            let moment: VisitMoment = stop.started == nil ? .start : .stop
                            if stop.ended == nil {
                                if stop.tags.contains(.qrCode) {
                                    Button(moment == .start ? "Arrivée (code QR)" : "Départ (code QR)", systemImage: "qrcode.viewfinder") {
                                        Task { await model.send(.stamp(residentId: stop.residentId, moment: moment, by: .qrCode)) }
                                    }
                                    .buttonStyle(.borderedProminent)
                                }
                                Button(moment == .start ? "Arrivée à la main" : "Départ à la main") {
                                    Task { await model.send(.stamp(residentId: stop.residentId, moment: moment, by: .manual)) }
                                }
                                .buttonStyle(.bordered)
                            }
                            Spacer()
                            if !stop.tags.contains(.qrCode) {
                                Button("Enregistrer le code du domicile") {
                                    Task { await model.send(.register(residentId: stop.residentId)) }
                                }
                            }
                        }
                        .controlSize(.large)
                        .disabled(model.saving)
                    } header: {
                        Text("\(stop.plannedAt ?? "—") · \(stop.displayName)")
                    }
                }
            }
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if model.routes.isEmpty {
                ContentUnavailableView("Pas de tournée pour vous aujourd'hui.", systemImage: "car")
            }
        }
        .navigationTitle(model.route?.label ?? "Tournée")
        .task { await model.send(.load) }
        .sheet(isPresented: Binding(
            get: { model.waiting != nil },
            set: { shown in if !shown { Task { await model.send(.cancelWait) } } }
        )) {
            CodeScanner(symbology: .qr) { text in Task { await model.send(.tagRead(text)) } }
        }
    }
}
