import AVFoundation
import SwiftUI

/// Reads a medicine box's GS1 Data Matrix: VisionKit's data scanner where
/// the iPad supports it, else AVFoundation's metadata output. The text goes
/// to the core, which reads it (product, lot, expiry) and checks it.
struct BoxScanner: View {
    let onText: (String) -> Void

    static var available: Bool { CodeScanner.available || AVCaptureDevice.default(for: .video) != nil }

    var body: some View {
        if CodeScanner.available {
            CodeScanner(symbology: .dataMatrix, onText: onText)
        } else {
            CaptureBoxScanner(onText: onText)
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
