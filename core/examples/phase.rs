use std::time::Instant;
fn main() {
    use chevet_core::demo::camera::{Shot, camera_jpeg};
    let input = camera_jpeg(&Shot::twelve_megapixels(6));
    for cs in [
        zune_core::colorspace::ColorSpace::RGB,
        zune_core::colorspace::ColorSpace::YCbCr,
        zune_core::colorspace::ColorSpace::RGB,
        zune_core::colorspace::ColorSpace::YCbCr,
    ] {
        let t = Instant::now();
        let options = zune_core::options::DecoderOptions::default().set_strict_mode(true).jpeg_set_out_colorspace(cs);
        let mut dec = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(&input), options);
        let px = dec.decode().unwrap();
        let d = t.elapsed();
        use fast_image_resize as fir;
        let src = fir::images::ImageRef::new(3000, 4000, &px, fir::PixelType::U8x3).unwrap();
        let mut dst = fir::images::Image::new(1536, 2048, fir::PixelType::U8x3);
        let t = Instant::now();
        fir::Resizer::new()
            .resize(
                &src,
                &mut dst,
                &fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(fir::FilterType::Hamming)),
            )
            .unwrap();
        let r = t.elapsed();
        let mut dst2 = fir::images::Image::new(1536, 2048, fir::PixelType::U8x3);
        let t = Instant::now();
        fir::Resizer::new()
            .resize(
                &src,
                &mut dst2,
                &fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Interpolation(fir::FilterType::Bilinear)),
            )
            .unwrap();
        let r2 = t.elapsed();
        let t = Instant::now();
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 85);
        enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
        let ct = if cs == zune_core::colorspace::ColorSpace::RGB {
            jpeg_encoder::ColorType::Rgb
        } else {
            jpeg_encoder::ColorType::Ycbcr
        };
        enc.encode(dst.buffer(), 1536, 2048, ct).unwrap();
        let e = t.elapsed();
        println!("{cs:?} decode {:?} resize {:?} (interp {:?}) encode {:?} size {}", d, r, r2, e, out.len());
    }
}
