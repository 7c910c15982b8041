"""The GBO intake API: citizen channel, sociale kaart, handover and signals."""
