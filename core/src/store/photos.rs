//! Wound photos in the store: ingest into encrypted files plus one photo
//! record, reading them back, the orphan sweep, and a wound's follow-up.
//!
//! The files are written (and flushed) before the record's transaction, and
//! named by their content; a crash in between leaves files that no
//! `media_blobs` row names, which nothing shows and [`Store::sweep_orphan_media`]
//! removes. A record therefore never points at a file that was not fully
//! written.

use std::io::BufReader;

use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::audit::AuditAction;
use super::{Store, WriteTx, lock};
use crate::clinical::push::{self, Push, Trend};
use crate::crypto::stream::{self, BlobBinding, BlobKey};
use crate::domain::{Fact, Permission, Photo, PhotoBlob, PhotoConsent, RecordMeta, Wound, WoundAssessment};
use crate::error::{CoreError, Result};
use crate::media::{self, PhotoLimits, PreparedImage};

/// `media_blobs.state`: the file is here and the hub does not have it yet.
pub(crate) const BLOB_TO_UPLOAD: &str = "to_upload";
/// The file is here and on the hub.
pub(crate) const BLOB_UPLOADED: &str = "uploaded";
/// The record came from the hub; the file is still there.
pub(crate) const BLOB_ON_HUB: &str = "on_hub";

/// A PUSH total must move by this much between two assessments to count
/// as healing or worsening (the PUSH tool reads any decrease as healing).
pub const PUSH_TREND_MIN_CHANGE: u8 = 1;

/// Which of a photo's two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoRendition {
    /// At most 2048 px on the long side, for viewing and comparing.
    Display,
    /// 320 px on the long side, for lists and the timeline.
    Thumbnail,
}

impl PhotoRendition {
    fn role(self) -> u8 {
        match self {
            PhotoRendition::Display => 1,
            PhotoRendition::Thumbnail => 2,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PhotoRendition::Display => "display",
            PhotoRendition::Thumbnail => "thumbnail",
        }
    }

    fn of(self, photo: &Photo) -> &PhotoBlob {
        match self {
            PhotoRendition::Display => &photo.display,
            PhotoRendition::Thumbnail => &photo.thumbnail,
        }
    }
}

/// What the care worker states when taking a photo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoCapture {
    pub resident_id: Uuid,
    pub wound_id: Uuid,
    pub assessment_id: Option<Uuid>,
    pub body_site: String,
    pub scale_marker: bool,
    pub consent: PhotoConsent,
    pub taken_at: Timestamp,
}

/// A photo as a list shows it: no key, no pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoSummary {
    pub id: Uuid,
    pub wound_id: Uuid,
    pub assessment_id: Option<Uuid>,
    pub taken_at: Timestamp,
    pub body_site: String,
    pub scale_marker: bool,
    pub display_size: (u32, u32),
    pub thumbnail_size: (u32, u32),
    /// Both files are on this device (otherwise they are still on the hub).
    pub on_device: bool,
}

/// One assessment on a wound's curve.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentPoint {
    pub assessment: WoundAssessment,
    /// Length × width, cm².
    pub area_cm2: f64,
    pub push: Push,
}

/// A wound over time: its assessments (oldest first) with area and PUSH,
/// the trend, and its photos, the latest one first in line for the
/// shells' ghost overlay (to repeat the framing).
#[derive(Debug, Clone, PartialEq)]
pub struct WoundFollowUp {
    pub wound: Wound,
    pub version: u32,
    pub assessments: Vec<AssessmentPoint>,
    pub trend: Trend,
    /// Oldest first.
    pub photos: Vec<PhotoSummary>,
    pub unreadable: Vec<super::Unreadable>,
}

impl WoundFollowUp {
    /// The photo to overlay when framing the next one.
    pub fn previous_photo(&self) -> Option<&PhotoSummary> {
        self.photos.last()
    }
}

fn storage(e: std::io::Error) -> CoreError {
    CoreError::MediaStorage(e.kind())
}

fn blob_of(image: &PreparedImage, sealed: &[u8]) -> PhotoBlob {
    PhotoBlob {
        hash: media::blobs::blob_name(sealed),
        sealed_len: sealed.len() as u64,
        width: image.width,
        height: image.height,
    }
}

impl WriteTx<'_> {
    /// Names a photo's files in `media_blobs`: to upload when they are
    /// here (ingested on this device), on the hub otherwise (pulled).
    pub(crate) fn register_photo_blobs(&mut self, photo: &Photo) -> Result<()> {
        for rendition in [PhotoRendition::Display, PhotoRendition::Thumbnail] {
            let blob = rendition.of(photo);
            let state = if self.store.media.contains(&blob.hash) { BLOB_TO_UPLOAD } else { BLOB_ON_HUB };
            self.tx
                .prepare_cached(
                    "INSERT INTO media_blobs (hash, photo_id, role, state) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (hash) DO NOTHING",
                )?
                .execute(params![blob.hash, photo.id, rendition.role(), state])?;
        }
        Ok(())
    }
}

impl Store {
    /// Takes a wound photo from the camera's bytes (JPEG or PNG): checks and
    /// decodes it, turns it upright, drops its metadata, makes the display
    /// image and thumbnail, encrypts both under a new content key, writes
    /// the files, then records the photo (envelope, outbox, audit) in one
    /// transaction. Refused input stores nothing.
    pub fn ingest_photo(&self, capture: PhotoCapture, camera_bytes: &[u8]) -> Result<Photo> {
        self.require(Some(Permission::RecordWoundCare))?;
        // The heavy part runs before any lock: other writes go on meanwhile.
        let prepared = media::prepare(camera_bytes, &PhotoLimits::default())?;
        let id = Uuid::now_v7();
        let key = BlobKey::generate().map_err(|_| CoreError::Vault("random source failed".into()))?;
        let seal = |rendition: PhotoRendition, image: &PreparedImage| {
            stream::seal(&key, &BlobBinding { photo_id: id, role: rendition.role() }, &image.jpeg)
                .map_err(|_| CoreError::Vault("random source failed".into()))
        };
        let display = seal(PhotoRendition::Display, &prepared.display)?;
        let thumbnail = seal(PhotoRendition::Thumbnail, &prepared.thumbnail)?;
        let photo = Photo {
            id,
            resident_id: capture.resident_id,
            wound_id: capture.wound_id,
            assessment_id: capture.assessment_id,
            body_site: capture.body_site,
            scale_marker: capture.scale_marker,
            consent: capture.consent,
            display: blob_of(&prepared.display, &display),
            thumbnail: blob_of(&prepared.thumbnail, &thumbnail),
            content_key: key,
            meta: RecordMeta::at(capture.taken_at),
        };
        // Held from the first file to the commit, so a sweep never sees
        // this photo's files without their rows.
        let _media = lock(&self.media_lock);
        self.media.put_all(&[(&photo.display.hash, &display), (&photo.thumbnail.hash, &thumbnail)]).map_err(storage)?;
        match self.record(Fact::Photo(Box::new(photo.clone()))) {
            Ok(Fact::Photo(stored)) => {
                log::info!(
                    "photo {id} of wound {} stored ({} + {} bytes encrypted)",
                    stored.wound_id,
                    display.len(),
                    thumbnail.len()
                );
                Ok(*stored)
            }
            Ok(_) => Err(CoreError::invalid("photo", "recorded as another kind")),
            Err(e) => {
                // Nothing names these files; removing them now saves the sweep the work.
                let _ = self.media.remove(&photo.display.hash);
                let _ = self.media.remove(&photo.thumbnail.hash);
                Err(e)
            }
        }
    }

    fn photo_record(&self, photo_id: Uuid) -> Result<Photo> {
        match self.fact(photo_id) {
            Ok((Fact::Photo(p), _)) => Ok(*p),
            Ok(_) | Err(CoreError::NotFound { .. }) => Err(CoreError::NotFound { kind: "photo", id: photo_id }),
            Err(e) => Err(e),
        }
    }

    /// A photo's JPEG, decrypted chunk by chunk and verified. Viewing the
    /// display image is audited; thumbnails (lists) are not.
    pub fn photo_image(&self, photo_id: Uuid, rendition: PhotoRendition) -> Result<Vec<u8>> {
        let staff = self.require(None)?;
        let photo = self.photo_record(photo_id)?;
        let blob = rendition.of(&photo);
        let file = match self.media.open_file(&blob.hash) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let on_hub = self.blob_state(&blob.hash)?.as_deref() == Some(BLOB_ON_HUB);
                return Err(CoreError::PhotoFileMissing { photo_id, rendition: rendition.as_str(), on_hub });
            }
            Err(e) => return Err(storage(e)),
        };
        let mut jpeg = Vec::with_capacity(blob.sealed_len as usize);
        let binding = BlobBinding { photo_id, role: rendition.role() };
        stream::open_stream(&photo.content_key, &binding, BufReader::with_capacity(1 << 16, file), &mut jpeg)
            .map_err(|reason| CoreError::PhotoFileCorrupt { photo_id, rendition: rendition.as_str(), reason })?;
        if rendition == PhotoRendition::Display {
            self.write(Some(staff.id), |w| w.audit(AuditAction::ViewPhoto, "photo", photo_id))?;
        }
        Ok(jpeg)
    }

    fn blob_state(&self, hash: &str) -> Result<Option<String>> {
        self.read(|c| {
            Ok(c.prepare_cached("SELECT state FROM media_blobs WHERE hash = ?1")?
                .query_row([hash], |r| r.get(0))
                .optional()?)
        })
    }

    /// Removes photo files no record names: what an ingest cut by a crash
    /// or a failed transaction left. Returns how many were removed.
    pub fn sweep_orphan_media(&self) -> Result<usize> {
        let _media = lock(&self.media_lock);
        let known: std::collections::HashSet<String> = self.read(|c| {
            let mut stmt = c.prepare("SELECT hash FROM media_blobs")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })?;
        let removed = self.media.sweep(|h| known.contains(h)).map_err(storage)?;
        if removed > 0 {
            log::info!("removed {removed} orphan photo files");
        }
        Ok(removed)
    }

    /// Files this device took that the hub does not have yet.
    pub(crate) fn blobs_to_upload(&self) -> Result<Vec<(String, Uuid, PhotoRendition)>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT hash, photo_id, role FROM media_blobs WHERE state = ?1 ORDER BY rowid")?;
            let rows = stmt.query_map([BLOB_TO_UPLOAD], |r| {
                let role: u8 = r.get(2)?;
                let rendition = if role == 1 { PhotoRendition::Display } else { PhotoRendition::Thumbnail };
                Ok((r.get(0)?, r.get(1)?, rendition))
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// Files of pulled photos still only on the hub (of one rendition, or all).
    pub fn blobs_on_hub(&self, rendition: Option<PhotoRendition>) -> Result<Vec<String>> {
        let role = rendition.map(PhotoRendition::role);
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT hash FROM media_blobs WHERE state = ?1 AND (?2 IS NULL OR role = ?2) ORDER BY rowid",
            )?;
            let rows = stmt.query_map(params![BLOB_ON_HUB, role], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    /// One pulled photo's files still on the hub.
    pub fn photo_blobs_on_hub(&self, photo_id: Uuid) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT hash FROM media_blobs WHERE photo_id = ?1 AND state = ?2")?;
            let rows = stmt.query_map(params![photo_id, BLOB_ON_HUB], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    pub(crate) fn media(&self) -> &media::BlobFolder {
        &self.media
    }

    /// Records that the file `hash` is now both here and on the hub.
    pub(crate) fn mark_blob_synced(&self, hash: &str) -> Result<()> {
        self.write(None, |w| {
            w.tx.prepare_cached("UPDATE media_blobs SET state = ?2 WHERE hash = ?1")?
                .execute(params![hash, BLOB_UPLOADED])?;
            Ok(())
        })
    }

    /// A wound's follow-up: assessments with area and PUSH, the trend, the photos.
    pub fn wound_follow_up(&self, wound_id: Uuid) -> Result<WoundFollowUp> {
        self.require(None)?;
        let (wound, version): (Wound, u32) = self.read(|c| {
            let (version, env): (u32, Vec<u8>) = c
                .prepare_cached("SELECT version, envelope FROM wounds WHERE id = ?1")?
                .query_row([wound_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or(CoreError::NotFound { kind: "wound", id: wound_id })?;
            Ok((self.codec.open("wounds", wound_id, version, &env)?, version))
        })?;
        let mut unreadable = Vec::new();
        let facts: Vec<Fact> = self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, envelope FROM facts WHERE resident_id = ?1 AND kind_tag IN (?2, ?3)
                 AND entered_in_error = 0 ORDER BY clinical_time",
            )?;
            let mut rows = stmt.query(params![
                wound.resident_id,
                self.kind_tag(crate::domain::FactKind::WoundAssessment),
                self.kind_tag(crate::domain::FactKind::Photo)
            ])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: Uuid = r.get(0)?;
                match self.codec.open::<Fact>("facts", id, 1, r.get_ref(1)?.as_blob()?) {
                    Ok(f) => out.push(f),
                    Err(e) => unreadable.push(super::Unreadable::new("facts", id, &e)),
                }
            }
            Ok(out)
        })?;
        let mut assessments = Vec::new();
        let mut photos = Vec::new();
        for fact in facts {
            match fact {
                Fact::WoundAssessment(a) if a.wound_id == wound_id => {
                    let push = push::score(&a)?;
                    let area_cm2 = (a.length_cm * a.width_cm * 100.0).round() / 100.0;
                    assessments.push(AssessmentPoint { assessment: a, area_cm2, push });
                }
                Fact::Photo(p) if p.wound_id == wound_id => {
                    let on_device = self.media.contains(&p.display.hash) && self.media.contains(&p.thumbnail.hash);
                    photos.push(PhotoSummary {
                        id: p.id,
                        wound_id: p.wound_id,
                        assessment_id: p.assessment_id,
                        taken_at: p.meta.clinical_time,
                        body_site: p.body_site,
                        scale_marker: p.scale_marker,
                        display_size: (p.display.width, p.display.height),
                        thumbnail_size: (p.thumbnail.width, p.thumbnail.height),
                        on_device,
                    });
                }
                _ => {}
            }
        }
        let totals: Vec<u8> = assessments.iter().map(|a| a.push.total).collect();
        let trend = push::trend(&totals, PUSH_TREND_MIN_CHANGE);
        Ok(WoundFollowUp { wound, version, assessments, trend, photos, unreadable })
    }
}
