import Charts
import SwiftUI
import UIKit

/// A resident's wounds: the list, then one wound's follow-up (its PUSH
/// chart, assessments and photo strip), a new wound, an assessment scored
/// as it is typed, and a photo framed over the previous one.
struct WoundsView: View {
    let model: WoundsModel
    @State private var camera: WoundCamera?

    var body: some View {
        List {
            if let notice = model.notice {
                Text(notice).foregroundStyle(.green)
            }
            if let error = model.error {
                Text(ServiceErrorWords.words(error)).foregroundStyle(.red)
            }
            if model.cameraFailed {
                Text("L'appareil photo n'a pas donné d'image : réessayez.").foregroundStyle(.red)
            }
            if let form = model.newWound {
                newWound(form)
            } else if let form = model.assessment {
                assessment(form)
            } else if let capture = model.capture {
                self.capture(capture)
            } else if let followUp = model.followUp {
                self.followUp(followUp)
            } else {
                Section("Plaies") {
                    ForEach(model.wounds) { wound in
                        Button("\(wound.kindLabel) — \(wound.site)") { Task { await model.send(.open(woundId: wound.id)) } }
                    }
                    Button("Nouvelle plaie", systemImage: "plus") { Task { await model.send(.startNewWound) } }
                }
            }
        }
        .navigationTitle("Plaies — \(model.residentName)")
    }

    @ViewBuilder
    private func followUp(_ f: WoundFollowUp) -> some View {
        Section("\(f.wound.kindLabel) — \(f.wound.site) · \(f.trendLabel)") {
            VitalChartView(chart: f.pushChart)
            ScrollView(.horizontal) {
                HStack {
                    ForEach(f.photos) { photo in
                        if let data = model.thumbnails[photo.id], let image = UIImage(data: data) {
                            Image(uiImage: image).resizable().scaledToFill().frame(width: 96, height: 96).clipped()
                                .accessibilityLabel(Text("Photo du \(photo.takenAt.formatted(date: .abbreviated, time: .shortened))"))
                        } else {
                            Image(systemName: "photo").frame(width: 96, height: 96)
                                .accessibilityLabel(Text("Photo sur le serveur"))
                        }
                    }
                }
            }
            HStack {
                Button("Évaluer", systemImage: "ruler") { Task { await model.send(.startAssessment) } }
                if WoundCamera.available {
                    Button("Photographier", systemImage: "camera") { Task { await model.send(.startCapture) } }
                }
            }
            .buttonStyle(.bordered)
        }
        Section("Évaluations") {
            ForEach(f.assessments) { point in
                Text("\(point.at.formatted(date: .abbreviated, time: .omitted)) : \(point.summary)")
            }
        }
    }

    @ViewBuilder
    private func newWound(_ form: NewWoundForm) -> some View {
        Section("Nouvelle plaie") {
            Picker("Type de plaie", selection: Binding(
                get: { form.kind },
                set: { kind in if let kind { Task { await model.send(.newWoundKind(kind)) } } }
            )) {
                Text("—").tag(WoundKind?.none)
                ForEach(model.kinds, id: \.kind) { Text($0.label).tag(WoundKind?.some($0.kind)) }
            }
            TextField("Localisation (ex. talon droit)", text: Binding(
                get: { form.site }, set: { s in Task { await model.send(.newWoundSite(s)) } }
            ))
            Button("Ouvrir la plaie") { Task { await model.send(.saveNewWound) } }
                .disabled(form.kind == nil || form.site.trimmingCharacters(in: .whitespaces).isEmpty || model.saving)
            Button("Annuler") { Task { await model.send(.cancel) } }
        }
    }

    @ViewBuilder
    private func assessment(_ form: AssessmentForm) -> some View {
        Section("Évaluation") {
            TextField("Longueur (cm)", text: Binding(get: { form.length }, set: { t in Task { await model.send(.length(t)) } }))
                .keyboardType(.decimalPad)
            TextField("Largeur (cm)", text: Binding(get: { form.width }, set: { t in Task { await model.send(.width(t)) } }))
                .keyboardType(.decimalPad)
            TextField("Profondeur (cm, facultatif)", text: Binding(get: { form.depth }, set: { t in Task { await model.send(.depth(t)) } }))
                .keyboardType(.decimalPad)
            Picker("Exsudat", selection: Binding(
                get: { form.exudate }, set: { v in if let v { Task { await model.send(.exudate(v)) } } }
            )) {
                Text("—").tag(WoundExudate?.none)
                Text("Aucun").tag(WoundExudate?.some(.none))
                Text("Faible").tag(WoundExudate?.some(.light))
                Text("Modéré").tag(WoundExudate?.some(.moderate))
                Text("Abondant").tag(WoundExudate?.some(.heavy))
            }
            Picker("Tissu", selection: Binding(
                get: { form.tissue }, set: { v in if let v { Task { await model.send(.tissue(v)) } } }
            )) {
                Text("—").tag(WoundTissue?.none)
                Text("Fermée").tag(WoundTissue?.some(.closed))
                Text("Épithélialisation").tag(WoundTissue?.some(.epithelial))
                Text("Bourgeonnement").tag(WoundTissue?.some(.granulation))
                Text("Fibrine").tag(WoundTissue?.some(.slough))
                Text("Nécrose").tag(WoundTissue?.some(.necrotic))
            }
            if model.kinds.first(where: { $0.kind == model.followUp?.wound.kind })?.staged == true {
                Picker("Stade", selection: Binding(
                    get: { form.stage }, set: { v in if let v { Task { await model.send(.stage(v)) } } }
                )) {
                    Text("—").tag(WoundStage?.none)
                    Text("Stade 1").tag(WoundStage?.some(.stage1))
                    Text("Stade 2").tag(WoundStage?.some(.stage2))
                    Text("Stade 3").tag(WoundStage?.some(.stage3))
                    Text("Stade 4").tag(WoundStage?.some(.stage4))
                    Text("Inclassable").tag(WoundStage?.some(.unstageable))
                    Text("Lésion des tissus profonds").tag(WoundStage?.some(.deepTissue))
                }
            }
            TextField("Commentaire", text: Binding(get: { form.comment }, set: { t in Task { await model.send(.comment(t)) } }))
            if let preview = form.preview {
                Text(preview.summary).font(.headline)
            }
            Button("Enregistrer l'évaluation") { Task { await model.send(.saveAssessment) } }
                .disabled(form.preview == nil || model.saving)
            Button("Annuler") { Task { await model.send(.cancel) } }
        }
    }

    @ViewBuilder
    private func capture(_ c: CaptureForm) -> some View {
        Section("Photo") {
            ZStack {
                if let camera {
                    CameraPreview(camera: camera)
                }
                // The previous photo over the preview, to frame the same way.
                if let ghost = c.ghost, let image = UIImage(data: ghost) {
                    Image(uiImage: image).resizable().scaledToFill().opacity(c.ghostOpacity).allowsHitTesting(false)
                }
            }
            .frame(height: 420)
            .clipped()
            .onAppear {
                let camera = WoundCamera()
                camera.start()
                self.camera = camera
            }
            .onDisappear {
                camera?.stop()
                camera = nil
            }
            if c.ghost != nil {
                Slider(value: Binding(get: { c.ghostOpacity }, set: { v in Task { await model.send(.ghostOpacity(v)) } }), in: 0...1) {
                    Text("Transparence de la photo précédente")
                }
            }
            Toggle("Réglette de mesure visible sur la photo", isOn: Binding(
                get: { c.scaleMarker }, set: { v in Task { await model.send(.scaleMarker(v)) } }
            ))
            Picker("Consentement", selection: Binding(
                get: { c.consentByResident }, set: { v in if let v { Task { await model.send(.consent(byResident: v)) } } }
            )) {
                Text("—").tag(Bool?.none)
                Text("Donné par le résident").tag(Bool?.some(true))
                Text("Donné par son représentant").tag(Bool?.some(false))
            }
            Button("Prendre la photo", systemImage: "camera.circle.fill") {
                Task {
                    let bytes = await camera?.takeJPEG()
                    await model.send(.photoTaken(bytes))
                }
            }
            .buttonStyle(.borderedProminent)
            .disabled(c.consentByResident == nil || c.taking || camera == nil)
            Button("Annuler") { Task { await model.send(.cancel) } }
        }
    }
}
