import AVFoundation
import SwiftUI
import VisionKit

/// Reads a medicine box's GS1 Data Matrix: VisionKit's data scanner where
/// the iPad supports it, else AVFoundation's metadata output. The text goes
/// to the core, which reads it (product, lot, expiry) and checks it.
struct BoxScanner: View {
    let onText: (String) -> Void

    static var available: Bool {
        (DataScannerViewController.isSupported && DataScannerViewController.isAvailable)
            || AVCaptureDevice.default(for: .video) != nil
    }

    var body: some View {
        if DataScannerViewController.isSupported && DataScannerViewController.isAvailable {
            VisionBoxScanner(onText: onText)
        } else {
            CaptureBoxScanner(onText: onText)
        }
    }
}

private struct VisionBoxScanner: UIViewControllerRepresentable {
    let onText: (String) -> Void

    func makeUIViewController(context: Context) -> DataScannerViewController {
        let scanner = DataScannerViewController(
            recognizedDataTypes: [.barcode(symbologies: [.dataMatrix])],
            qualityLevel: .accurate,
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

/// The fallback: a capture session with a Data Matrix metadata output.
private struct CaptureBoxScanner: UIViewControllerRepresentable {
    let onText: (String) -> Void

    func makeUIViewController(context: Context) -> CaptureController {
        let controller = CaptureController()
        controller.onText = onText
        return controller
    }

    func updateUIViewController(_ controller: CaptureController, context: Context) {}

    final class CaptureController: UIViewController, AVCaptureMetadataOutputObjectsDelegate {
        var onText: ((String) -> Void)?
        private let session = AVCaptureSession()

        override func viewDidLoad() {
            super.viewDidLoad()
            guard let camera = AVCaptureDevice.default(for: .video),
                  let input = try? AVCaptureDeviceInput(device: camera),
                  session.canAddInput(input)
            else { return }
            session.addInput(input)
            let output = AVCaptureMetadataOutput()
            guard session.canAddOutput(output) else { return }
            session.addOutput(output)
            output.setMetadataObjectsDelegate(self, queue: .main)
            output.metadataObjectTypes = [.dataMatrix]
            let preview = AVCaptureVideoPreviewLayer(session: session)
            preview.frame = view.bounds
            preview.videoGravity = .resizeAspectFill
            view.layer.addSublayer(preview)
            let session = self.session
            Task.detached { session.startRunning() }
        }

        func metadataOutput(
            _ output: AVCaptureMetadataOutput, didOutput objects: [AVMetadataObject], from connection: AVCaptureConnection
        ) {
            guard let code = objects.first as? AVMetadataMachineReadableCodeObject, let text = code.stringValue else {
                return
            }
            session.stopRunning()
            onText?(text)
            onText = nil
        }
    }
}
