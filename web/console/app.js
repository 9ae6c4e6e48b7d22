// The console app is built separately.
