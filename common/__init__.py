"""What every process shares: settings, the database (with the staff accounts table every record of who
did what refers to), the clock, the domain errors."""
