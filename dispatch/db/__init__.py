"""Database: the declarative base, the engine and the migrations."""
