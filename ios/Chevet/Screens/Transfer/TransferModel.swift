import Foundation
import Observation

/// The personal items the sheet asks about by name.
enum Item: CaseIterable, Equatable, Hashable, Sendable {
    case glasses, dentalProsthesis, hearingAid
}

/// When the resident last ate, as picked at the bedside.
struct MealChoice: Equatable, Hashable, Sendable {
    let label: String
    let at: Date
}

enum TransferEvent: Sendable {
    case reason(String)
    case destination(String)
    case consciousness(DepartureConsciousness)
    case pain(Bool)
    case painScore(Int)
    case lastMeal(MealChoice)
    case toggleItem(Item)
    case otherItems(String)
    case comment(String)
    /// « Préparer la fiche »: recorded, then shown.
    case record
    /// Read the sheet again (after the missing vitals were taken).
    case refresh
    case dismissError
}

/// The last meals worth offering before `now`: the latest four of breakfast, lunch, snack, dinner.
func mealChoices(now: Date, timeZone: TimeZone) -> [MealChoice] {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = timeZone
    let slots: [(Int, String)] = [(8, "petit déjeuner"), (12, "déjeuner"), (16, "goûter"), (19, "dîner")]
    var out: [MealChoice] = []
    for back in 0...1 {
        guard let day = calendar.date(byAdding: .day, value: -back, to: now) else { continue }
        for (hour, what) in slots {
            guard let at = calendar.date(bySettingHour: hour, minute: 0, second: 0, of: day), at <= now else { continue }
            let when = back == 0 ? "Aujourd'hui" : "Hier"
            out.append(MealChoice(label: "\(when), \(what) (\(String(format: "%02d", hour)) h)", at: at))
        }
    }
    return Array(out.sorted { $0.at > $1.at }.prefix(4))
}

/// A resident leaving for the emergency department: a short form, then the
/// sheet the core builds from the record — shown, printed, and sent as the
/// DLU-FLUDT document once the vitals it needs are there. (The Android
/// app's `TransferPresenter`.)
@Observable
final class TransferModel {
    let residentName: String
    let room: String
    private(set) var reason = ""
    private(set) var destination = ""
    private(set) var consciousness: DepartureConsciousness = .awakeAndAlert
    private(set) var recentPain = false
    private(set) var painScore: Int?
    /// Offered from the time of day (this morning, midday, last night…).
    let meals: [MealChoice]
    private(set) var lastMeal: MealChoice?
    private(set) var items: Set<Item> = []
    private(set) var otherItems = ""
    private(set) var comment = ""
    private(set) var saving = false
    /// Recorded: the sheet, its page and (when the vitals are there) the document.
    private(set) var transferId: String?
    private(set) var documents: TransferDocuments?
    private(set) var error: ServiceError?

    /// The form holds what the core requires.
    var ready: Bool {
        !reason.trimmingCharacters(in: .whitespaces).isEmpty && lastMeal != nil && (!recentPain || painScore != nil)
    }

    @ObservationIgnored private let transfers: any TransferService
    @ObservationIgnored private let residentId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        transfers: any TransferService, residentId: String, residentName: String, room: String, timeZone: TimeZone,
        clock: any Clock, onRecorded: @escaping () -> Void = {}
    ) {
        self.transfers = transfers
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.clock = clock
        self.onRecorded = onRecorded
        meals = mealChoices(now: clock.now(), timeZone: timeZone)
    }

    func send(_ event: TransferEvent) async {
        switch event {
        case .reason(let t): edit { $0.reason = t }
        case .destination(let t): edit { $0.destination = t }
        case .consciousness(let c): edit { $0.consciousness = c }
        case .pain(let recent):
            edit { model in
                model.recentPain = recent
                if !recent { model.painScore = nil }
            }
        case .painScore(let score): edit { $0.painScore = score }
        case .lastMeal(let meal): edit { $0.lastMeal = meal }
        case .toggleItem(let item):
            edit { model in
                if model.items.contains(item) { model.items.remove(item) } else { model.items.insert(item) }
            }
        case .otherItems(let t): edit { $0.otherItems = t }
        case .comment(let t): edit { $0.comment = t }
        case .record: await record()
        case .refresh: if let id = transferId { await load(id) }
        case .dismissError: error = nil
        }
    }

    private func edit(_ change: (TransferModel) -> Void) {
        guard transferId == nil else { return }  // recorded: the sheet is what it is
        change(self)
        error = nil
    }

    private func record() async {
        guard !saving, transferId == nil, ready, let meal = lastMeal else { return }
        let named: [PersonalItem] = Item.allCases.filter(items.contains).map {
            switch $0 {
            case .glasses: .glasses
            case .dentalProsthesis: .dentalProsthesis
            case .hearingAid: .hearingAid
            }
        }
        let others = otherItems.split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .map { PersonalItem.other($0) }
        let destination = destination.trimmingCharacters(in: .whitespaces)
        let comment = comment.trimmingCharacters(in: .whitespaces)
        let form = TransferForm(
            residentId: residentId, reason: reason.trimmingCharacters(in: .whitespaces),
            destination: destination.isEmpty ? nil : destination, consciousness: consciousness,
            recentPain: recentPain, painScore: painScore, lastMeal: meal.at, items: named + others,
            comment: comment.isEmpty ? nil : comment
        )
        saving = true
        switch await transfers.record(form, at: clock.now()) {
        case .success(let id):
            transferId = id
            onRecorded()
            await load(id)
        case .failure(let e):
            error = e
        }
        saving = false
    }

    private func load(_ id: String) async {
        switch await transfers.documents(transferId: id) {
        case .success(let d): documents = d
        case .failure(let e): error = e
        }
    }
}
