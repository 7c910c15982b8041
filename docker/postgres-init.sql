-- Rasa keeps its tracker store in a database of its own, beside the application's.
CREATE DATABASE rasa_tracker OWNER gbo;
