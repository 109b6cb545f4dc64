// fuzz target: see header comment once written
