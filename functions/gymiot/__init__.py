"""GymIoT domain code shared by the Cloud Functions: pure rules and their Firestore stores."""
