//! Wound photos: from the camera's bytes to an upright, metadata-free
//! display image and thumbnail (ingest), and their encrypted files
//! (blob folder). The photo record and its transaction live in the store.
//!
//! Nothing here knows about SQL or the care domain.

pub mod blobs;
pub mod exif;
pub mod ingest;
pub mod orient;
mod planes;

pub use blobs::BlobFolder;
pub use ingest::{PhotoLimits, PreparedImage, PreparedPhoto, SourceFormat, prepare};

/// Long side of the display image, in pixels.
pub const DISPLAY_LONG_SIDE: u32 = 2048;
/// Long side of the thumbnail, in pixels.
pub const THUMBNAIL_LONG_SIDE: u32 = 320;
/// JPEG quality of both renditions (libjpeg scale).
pub const JPEG_QUALITY: u8 = 85;

/// Why a photo was refused. Messages carry sizes and reasons, never pixels
/// or metadata values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error("the photo is empty")]
    Empty,
    #[error("the photo is {bytes} bytes, more than the {max} accepted")]
    FileTooLarge { bytes: usize, max: usize },
    #[error("not a JPEG or PNG image")]
    NotAnImage,
    #[error(
        "the image declares {width}x{height} pixels, outside what a camera takes (at most {max_side} px a side, {max_pixels} pixels)"
    )]
    DimensionsOutOfRange { width: u32, height: u32, max_side: u32, max_pixels: u64 },
    #[error("the image is cut short or damaged: {0}")]
    Malformed(String),
    #[error("the image's metadata is damaged: {0}")]
    CorruptMetadata(&'static str),
    #[error("could not write the image: {0}")]
    Encode(String),
}
