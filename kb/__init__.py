"""The sociale kaart: the directory of care and welfare services, and how needs map onto it."""
