//! Tokens: the name of one registered descriptor.
//!
//! A [`Token`] is a slot index plus a generation. The descriptor table bumps a slot's generation
//! every time the slot is freed, so a token (or an OS event carrying one) that outlives its
//! descriptor no longer matches the slot and is recognised as stale (hazard H4) instead of being
//! delivered to whatever descriptor reused the slot.
//!
//! # Bit layout
//!
//! Tokens travel through the kernel: `epoll_event.u64` (64 bits everywhere) and `kevent.udata`
//! (pointer-sized). The layout is chosen so both round-trip exactly:
//!
//! | word | bits | index | generation |
//! |---|---|---|---|
//! | `u64` ([`Token::to_u64`]) | 64 | bits 0..32 | bits 32..64 |
//! | `usize`, 64-bit targets ([`Token::to_usize`]) | 64 | bits 0..32 | bits 32..64 |
//! | `usize`, 32-bit targets | 32 | bits 0..20 | bits 20..32 |
//!
//! So on 32-bit targets a table holds at most 2^20 descriptors and generations wrap modulo 2^12;
//! on 64-bit targets 2^31 descriptors (the ready queue packs `index * 2 + direction` into a
//! `u32`) and generations wrap modulo 2^32. The table enforces both limits ([`Token::MAX_INDEX`],
//! [`Token::GENERATION_MASK`]; they are the [`Slot`](crate::Slot)'s limits as an element of the
//! table's [`slab`](crate::slab)), so every token it hands out fits the pointer-sized word.

use core::fmt;

use crate::slab::Key;

/// Names one registered descriptor: slot index + generation. See the module docs for the layout.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Token {
    index: u32,
    generation: u32,
}

#[cfg(target_pointer_width = "64")]
const INDEX_BITS_USIZE: u32 = 32;
#[cfg(not(target_pointer_width = "64"))]
const INDEX_BITS_USIZE: u32 = 20;

impl Token {
    /// The largest slot index a token can carry on this target.
    pub const MAX_INDEX: u32 = if INDEX_BITS_USIZE == 32 {
        (1 << 31) - 1
    } else {
        (1 << INDEX_BITS_USIZE) - 1
    };

    /// Generations are kept modulo `GENERATION_MASK + 1` on this target.
    pub const GENERATION_MASK: u32 = if INDEX_BITS_USIZE == 32 {
        u32::MAX
    } else {
        (1 << (usize::BITS - INDEX_BITS_USIZE)) - 1
    };

    /// Builds a token from its parts. The generation is reduced modulo
    /// `GENERATION_MASK + 1`; an index above [`Token::MAX_INDEX`] is refused.
    pub const fn new(index: u32, generation: u32) -> Option<Token> {
        if index > Self::MAX_INDEX {
            return None;
        }
        Some(Token {
            index,
            generation: generation & Self::GENERATION_MASK,
        })
    }

    /// The slot index.
    pub const fn index(self) -> u32 {
        self.index
    }

    /// The slot generation.
    pub const fn generation(self) -> u32 {
        self.generation
    }

    /// The slab key of the token's slot (the same two numbers).
    #[inline(always)]
    pub(crate) const fn key(self) -> Key {
        Key::new(self.index, self.generation)
    }

    /// Packs the token into a `u64` (for `epoll_event.u64`): index low, generation high.
    pub const fn to_u64(self) -> u64 {
        (self.generation as u64) << 32 | self.index as u64
    }

    /// Unpacks a word made by [`Token::to_u64`]. Any `u64` decodes to *some* token; a word
    /// that was never a live token is then simply stale, which the table detects.
    pub const fn from_u64(word: u64) -> Token {
        Token {
            index: (word as u32) & Self::MAX_INDEX,
            generation: ((word >> 32) as u32) & Self::GENERATION_MASK,
        }
    }

    /// Packs the token into a pointer-sized word (for `kevent.udata`).
    pub const fn to_usize(self) -> usize {
        ((self.generation as usize) << INDEX_BITS_USIZE) | self.index as usize
    }

    /// Unpacks a word made by [`Token::to_usize`].
    pub const fn from_usize(word: usize) -> Token {
        let index_mask = if INDEX_BITS_USIZE == 32 {
            u32::MAX as usize
        } else {
            (1usize << INDEX_BITS_USIZE) - 1
        };
        Token {
            index: ((word & index_mask) as u32) & Self::MAX_INDEX,
            generation: ((word >> INDEX_BITS_USIZE) as u32) & Self::GENERATION_MASK,
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({}v{})", self.index, self.generation)
    }
}

static_assertions::assert_eq_size!(Token, u64);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_u64_and_usize() {
        for &(i, g) in &[
            (0, 0),
            (1, 7),
            (Token::MAX_INDEX, Token::GENERATION_MASK),
            (12345, 99),
        ] {
            let t = Token::new(i, g).unwrap();
            assert_eq!(Token::from_u64(t.to_u64()), t);
            assert_eq!(Token::from_usize(t.to_usize()), t);
            assert_eq!((t.index(), t.generation()), (i, g));
        }
    }

    #[test]
    fn u64_layout_is_index_low_generation_high() {
        let t = Token::new(5, 3).unwrap();
        assert_eq!(t.to_u64(), (3u64 << 32) | 5);
    }

    #[test]
    fn index_over_the_limit_is_refused() {
        assert!(Token::new(Token::MAX_INDEX + 1, 0).is_none());
    }

    #[test]
    fn generation_differs_means_token_differs() {
        assert_ne!(Token::new(4, 1), Token::new(4, 2));
    }
}
