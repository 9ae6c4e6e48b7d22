pub mod hours;
