// Draws 40 rows, like the first screen of Roster's team list.
const list = document.getElementById('list');
for (let i = 0; i < 40; i += 1) {
  const row = document.createElement('li');
  row.className = 'row';
  row.textContent = `Member ${i}`;
  list.append(row);
}
