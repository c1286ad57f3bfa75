//! AGGIR: the GIR (groupe iso-ressources, 1 = most dependent … 6 =
//! autonomous) from the eight discriminant variables, by the national
//! algorithm (CASF, annexe 2-2; décret 97-427): for groups A to H in turn,
//! sum the weights of the variables rated C or B; the first group whose sum
//! reaches its threshold gives the rank, and the rank the GIR. The two
//! other discriminant variables (outdoor moves, communication) are rated
//! but weigh nothing.

use serde::{Deserialize, Serialize};

use crate::error::{DomainError, Result};

/// A: does it alone, fully, habitually and correctly; B: partly; C: does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Modality {
    A,
    B,
    C,
}

impl Modality {
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim() {
            "A" | "a" => Ok(Modality::A),
            "B" | "b" => Ok(Modality::B),
            "C" | "c" => Ok(Modality::C),
            _ => Err(DomainError::invalid("aggir modality", "A, B or C")),
        }
    }
}

/// The ten discriminant variables of the AGGIR grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggirGrid {
    pub coherence: Modality,
    pub orientation: Modality,
    pub toilette: Modality,
    pub habillage: Modality,
    pub alimentation: Modality,
    pub elimination: Modality,
    pub transferts: Modality,
    pub deplacement_interieur: Modality,
    pub deplacement_exterieur: Modality,
    pub communication: Modality,
}

/// Weights of C and B for the eight weighing variables, in grid order,
/// and the thresholds of each group (≥ threshold → rank).
struct Group {
    c: [i32; 8],
    b: [i32; 8],
    ranks: &'static [(i32, u8)],
}

const GROUPS: [Group; 8] = [
    Group {
        c: [2000, 1200, 40, 40, 60, 100, 800, 200],
        b: [0, 0, 16, 16, 20, 16, 120, 32],
        ranks: &[(4380, 1), (4140, 2), (3390, 3)],
    },
    Group { c: [1500, 1200, 40, 40, 60, 100, 800, -80], b: [320, 120, 16, 16, 0, 16, 120, -40], ranks: &[(2016, 4)] },
    Group { c: [0, 0, 40, 40, 60, 160, 1000, 400], b: [0, 0, 16, 16, 20, 20, 200, 40], ranks: &[(1700, 5), (1432, 6)] },
    Group { c: [0, 0, 0, 0, 2000, 400, 2000, 200], b: [0, 0, 0, 0, 200, 200, 200, 0], ranks: &[(2400, 7)] },
    Group { c: [400, 400, 400, 400, 400, 800, 800, 200], b: [0, 0, 100, 100, 100, 100, 100, 0], ranks: &[(1200, 8)] },
    Group {
        c: [200, 200, 500, 500, 500, 500, 500, 200],
        b: [100, 100, 100, 100, 100, 100, 100, 0],
        ranks: &[(800, 9)],
    },
    Group { c: [150, 150, 300, 300, 500, 500, 400, 200], b: [0, 0, 200, 200, 200, 200, 200, 100], ranks: &[(650, 10)] },
    Group {
        c: [0, 0, 3000, 3000, 3000, 3000, 1000, 1000],
        b: [0, 0, 2000, 2000, 2000, 2000, 2000, 1000],
        ranks: &[(4000, 11), (2000, 12)],
    },
];

/// The rank (1–13) the algorithm reaches, and its GIR (1–6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Gir {
    pub rank: u8,
    pub gir: u8,
}

pub fn gir(grid: &AggirGrid) -> Gir {
    let v = [
        grid.coherence,
        grid.orientation,
        grid.toilette,
        grid.habillage,
        grid.alimentation,
        grid.elimination,
        grid.transferts,
        grid.deplacement_interieur,
    ];
    let rank = GROUPS
        .iter()
        .find_map(|g| {
            let sum: i32 = v
                .iter()
                .enumerate()
                .map(|(i, m)| match m {
                    Modality::C => g.c[i],
                    Modality::B => g.b[i],
                    Modality::A => 0,
                })
                .sum();
            g.ranks.iter().find(|(threshold, _)| sum >= *threshold).map(|(_, rank)| *rank)
        })
        .unwrap_or(13);
    let gir = match rank {
        1 => 1,
        2..=7 => 2,
        8 | 9 => 3,
        10 | 11 => 4,
        12 => 5,
        _ => 6,
    };
    Gir { rank, gir }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Modality::*;

    fn grid(v: [Modality; 8]) -> AggirGrid {
        AggirGrid {
            coherence: v[0],
            orientation: v[1],
            toilette: v[2],
            habillage: v[3],
            alimentation: v[4],
            elimination: v[5],
            transferts: v[6],
            deplacement_interieur: v[7],
            deplacement_exterieur: C,
            communication: C,
        }
    }

    #[test]
    fn extremes() {
        assert_eq!(gir(&grid([A; 8])), Gir { rank: 13, gir: 6 });
        assert_eq!(gir(&grid([C; 8])), Gir { rank: 1, gir: 1 }); // group A sum 4,440
    }

    #[test]
    fn typical_profiles() {
        // Disoriented and incoherent but walking: group B sum 2,700 → rank 4, GIR 2.
        assert_eq!(gir(&grid([C, C, A, A, A, A, A, A])), Gir { rank: 4, gir: 2 });
        // Help with washing and dressing only: group H sum 4,000 → rank 11, GIR 4.
        assert_eq!(gir(&grid([A, A, B, B, A, A, A, A])), Gir { rank: 11, gir: 4 });
        // Help with washing only: group H sum 2,000 → rank 12, GIR 5.
        assert_eq!(gir(&grid([A, A, B, A, A, A, A, A])), Gir { rank: 12, gir: 5 });
        // Bedridden but lucid: group C sum 40+40+60+160+1000+400 = 1,700 → rank 5, GIR 2.
        assert_eq!(gir(&grid([A, A, C, C, C, C, C, C])), Gir { rank: 5, gir: 2 });
        // Lucid, needs help to eat, to transfer and for continence: group D sum 2,000+400+2,000 = 4,400 → rank 7.
        assert_eq!(gir(&grid([A, A, A, A, C, C, C, A])), Gir { rank: 7, gir: 2 });
    }

    #[test]
    fn threshold_edges() {
        // Group A: all C is 4,440 (≥ 4,380, rank 1); with elimination B it is
        // 2000+1200+40+40+60+16+800+200 = 4,356: below 4,380, at least 4,140 → rank 2.
        assert_eq!(gir(&grid([C, C, C, C, C, B, C, C])).rank, 2);
        // Outdoor moves and communication weigh nothing.
        let mut g = grid([A; 8]);
        g.deplacement_exterieur = C;
        g.communication = C;
        assert_eq!(gir(&g).gir, 6);
        assert!(Modality::parse("D").is_err());
    }
}
