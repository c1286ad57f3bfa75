import Foundation
import Observation

enum ResidentFileEvent: Sendable {
    case load
    /// « Voir plus » at the foot of the timeline.
    case moreTimeline
}

/// A resident's file: who they are, what to watch, their vitals charted,
/// their timeline page by page. (The Android app's `ResidentFilePresenter`.)
@Observable
final class ResidentFileModel {
    private(set) var loading = true
    private(set) var file: ResidentFile?
    /// The timeline as read so far, newest first (the file's first page, then more).
    private(set) var timeline: [TimelineEntry] = []
    private(set) var loadingMore = false
    /// Nothing older: « Voir plus » goes away.
    private(set) var timelineEnd = false
    private(set) var error: ServiceError?

    @ObservationIgnored private let care: any CareRecordService
    @ObservationIgnored private let residentId: String
    /// The core opens the file with this many lines; pages after it are the same size.
    @ObservationIgnored private let pageSize: Int

    init(care: any CareRecordService, residentId: String, pageSize: Int = 50) {
        self.care = care
        self.residentId = residentId
        self.pageSize = pageSize
    }

    func send(_ event: ResidentFileEvent) async {
        switch event {
        case .load:
            switch await care.residentFile(residentId: residentId) {
            case .success(let f):
                file = f
                timeline = f.timeline
                timelineEnd = f.timeline.count < pageSize
            case .failure(let e):
                error = e
            }
            loading = false
        case .moreTimeline:
            guard !loadingMore, !timelineEnd, file != nil else { return }
            loadingMore = true
            switch await care.timeline(residentId: residentId, before: timeline.last?.at, limit: pageSize) {
            case .success(let page):
                timeline += page
                timelineEnd = page.count < pageSize
            case .failure(let e):
                error = e
            }
            loadingMore = false
        }
    }
}
