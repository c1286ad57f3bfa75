import SwiftUI
import Vision
import VisionKit

/// The camera reading one kind of code (VisionKit's data scanner): the
/// console's enrolment QR code, a home's QR sticker, a medicine box's GS1
/// Data Matrix. The first code read is handed on and scanning stops.
struct CodeScanner: UIViewControllerRepresentable {
    let symbology: VNBarcodeSymbology
    let onText: (String) -> Void

    /// This iPad can run the data scanner (and the camera is allowed).
    static var available: Bool { DataScannerViewController.isSupported && DataScannerViewController.isAvailable }

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: [symbology])],
            qualityLevel: symbology == .dataMatrix ? .accurate : .balanced,
            isHighlightingEnabled: true
        )
        scanner.delegate = context.coordinator
        try? scanner.startScanning()
        return scanner
    }

    func updateUIViewController(_ controller: DataScannerViewController, context: Context) {}

    func makeCoordinator() -> Coordinator { Coordinator(onText: onText) }

    final class Coordinator: NSObject, DataScannerViewControllerDelegate {
        let onText: (String) -> Void

        init(onText: @escaping (String) -> Void) { self.onText = onText }

        func dataScanner(_ scanner: DataScannerViewController, didAdd items: [RecognizedItem], allItems: [RecognizedItem]) {
            for case .barcode(let code) in items {
                if let text = code.payloadStringValue {
                    scanner.stopScanning()
                    onText(text)
                    return
                }
            }
        }
    }
}
