"""The dialogue logic the API and the action server share: catalogs, language, understanding, intake,
service cards, signal recording and scrubbing. Imports common/ and kb/, never api/ or actions/."""
