import AVFoundation
import SwiftUI
import UIKit

/// The iPad's back camera for wound photos: a preview to frame with, and a
/// JPEG still captured into memory (`AVCapturePhotoSettings` with the JPEG
/// codec). The bytes go to the core's ingest, never to a file or the
/// photo library.
nonisolated final class WoundCamera: NSObject, AVCapturePhotoCaptureDelegate, @unchecked Sendable {
    let session = AVCaptureSession()
    private let output = AVCapturePhotoOutput()
    private var pending: CheckedContinuation<Data?, Never>?
    private let lock = NSLock()

    static var available: Bool { AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back) != nil }

    override init() {
        super.init()
        session.sessionPreset = .photo
        guard let camera = AVCaptureDevice.default(.builtInWideAngleCamera, for: .video, position: .back),
              let input = try? AVCaptureDeviceInput(device: camera),
              session.canAddInput(input), session.canAddOutput(output)
        else { return }
        session.addInput(input)
        session.addOutput(output)
    }

    func start() {
        let session = self.session
        DispatchQueue.global(qos: .userInitiated).async { session.startRunning() }
    }

    func stop() {
        session.stopRunning()
    }

    /// A still, as JPEG bytes in memory; nil when the camera gave none.
    func takeJPEG() async -> Data? {
        await withCheckedContinuation { continuation in
            lock.withLock { pending = continuation }
            let settings = AVCapturePhotoSettings(format: [AVVideoCodecKey: AVVideoCodecType.jpeg])
            output.capturePhoto(with: settings, delegate: self)
        }
    }

    func photoOutput(_ output: AVCapturePhotoOutput, didFinishProcessingPhoto photo: AVCapturePhoto, error: Error?) {
        let bytes = error == nil ? photo.fileDataRepresentation() : nil
        let continuation = lock.withLock { () -> CheckedContinuation<Data?, Never>? in
            defer { pending = nil }
            return pending
        }
        continuation?.resume(returning: bytes)
    }
}

/// The camera's live picture.
struct CameraPreview: UIViewRepresentable {
    let camera: WoundCamera

    func makeUIView(context: Context) -> PreviewView {
        let view = PreviewView()
        view.previewLayer.session = camera.session
        view.previewLayer.videoGravity = .resizeAspectFill
        return view
    }

    func updateUIView(_ view: PreviewView, context: Context) {}

    final class PreviewView: UIView {
        override class var layerClass: AnyClass { AVCaptureVideoPreviewLayer.self }
        var previewLayer: AVCaptureVideoPreviewLayer { layer as! AVCaptureVideoPreviewLayer }  // layerClass says so
    }
}
