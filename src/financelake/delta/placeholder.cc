// Placeholder so the delta library configures before its sources land; remove it.
